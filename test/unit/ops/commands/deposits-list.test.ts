import { walk } from '../helpers';
import { dataDirWith, run } from './run';

describe('teller deposits list', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await dataDirWith(async (d) => {
      await walk(d, 'aa', 0, 'done');
      const rec = await walk(d, 'bb', 1, 'waiting_send');
      await d.update(rec, { error: 'CreateTransaction invalid address' }, 'error');
    });
  });

  it('prints an aligned table by default', async () => {
    const r = await run(['deposits', 'list'], dir);
    expect(r.code).toBe(0);
    expect(r.out.split('\n')).toEqual([
      'SEQ  DEPOSIT ID  STATUS        COIN  VALUE    SENT     ERROR',
      '1    aa:0        done          BTC   1000000  5000000',
      '2    bb:1        waiting_send  BTC   1000000  0        CreateTransaction invalid address',
      '2 deposits',
      '',
    ]);
  });

  it('filters by --status and prints JSON or CSV', async () => {
    let r = await run(['deposits', 'list', '--status', 'waiting_send', '--format', 'json'], dir);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out)).toEqual([
      expect.objectContaining({ deposit_id: 'bb:1', error: 'CreateTransaction invalid address' }),
    ]);
    r = await run(['deposits', 'list', '--format', 'csv', '--status', 'done'], dir);
    expect(r.out.split('\r\n')[1]).toMatch(/^1,aa:0,done,/);
    r = await run(['deposits', 'list', '--status', 'waiting_decide'], dir);
    expect(r.out).toMatch(/^SEQ .*\n0 deposits\n$/);
  });

  it('rejects an unknown status or format with exit 2', async () => {
    expect((await run(['deposits', 'list', '--status', 'waiting_deposit'], dir)).code).toBe(2);
    expect((await run(['deposits', 'list', '--format', 'xml'], dir)).code).toBe(2);
  });
});
