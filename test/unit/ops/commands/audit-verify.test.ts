import type { DepositEvent } from '../../../../src/exchange/types';
import { seqKey } from '../../../../src/store/store';
import { walk } from '../helpers';
import { dataDirWith, run, withOpenStore } from './run';

describe('teller audit verify', () => {
  it('passes on a real history and fails, naming the seq, once an entry is tampered with', async () => {
    const dir = await dataDirWith(async (d) => {
      await walk(d, 'aa', 0, 'done');
      await walk(d, 'bb', 0, 'waiting_confirm');
    });
    let r = await run(['audit', 'verify'], dir);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^7 events, head seq 7 \([0-9a-f]{16}…\); 2 deposits\naudit log OK\n$/);

    await withOpenStore(dir, async (_d, store) => {
      const ev = await store.get<DepositEvent>('events', seqKey(5));
      await store.write([
        { type: 'put', space: 'events', key: seqKey(5), value: { ...ev, note: 'rewritten' } },
      ]);
    });
    r = await run(['audit', 'verify'], dir);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/BROKEN at seq 5 \(key 0000000000000005\): hash does not match the entry/);
    expect(r.out).toMatch(/audit log FAILED verification\n$/);

    r = await run(['audit', 'verify', '--json'], dir);
    expect(r.code).toBe(1);
    expect(JSON.parse(r.out)).toMatchObject({ ok: false, count: 7, first_broken: { seq: 5 } });
  });
});
