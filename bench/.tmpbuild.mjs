import { build } from 'esbuild';
const name = process.argv[2];
await build({ entryPoints: [`bench/${name}.ts`], bundle: true, platform: 'node', packages: 'external', target: 'node20', outfile: `dist/bench/${name}.js`, sourcemap: true, logLevel: 'warning' });
