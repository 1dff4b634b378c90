import { dataset } from './lib/dataset';
void dataset().then((d) => console.log('built in', d.buildSeconds));
