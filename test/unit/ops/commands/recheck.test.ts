import { walk } from '../helpers';
import { dataDirWith, run } from './run';

describe('teller recheck', () => {
  it('prints what the store knows of a deposit or payout txid; exit 1 when nothing', async () => {
    const dir = await dataDirWith(async (d) => void (await walk(d, 'aa', 0, 'done')));
    let r = await run(['recheck', 'aa'], dir);
    expect(r.code).toBe(0);
    const body = JSON.parse(r.out);
    expect(body.deposits).toEqual([
      expect.objectContaining({
        role: 'deposit',
        record: expect.objectContaining({ deposit_id: 'aa:0', deposit_value: '1000000' }),
      }),
    ]);
    expect(body.deposits[0].events).toHaveLength(4);
    r = await run(['recheck', 'payout-aa-0'], dir);
    expect(JSON.parse(r.out).deposits[0].role).toBe('payout');
    r = await run(['recheck', 'ffff'], dir);
    expect([r.code, r.out, r.err]).toEqual([
      1,
      '',
      'teller recheck: the store knows nothing of transaction ffff\n',
    ]);
  });
});
