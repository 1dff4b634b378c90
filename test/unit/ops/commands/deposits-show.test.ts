import { walk } from '../helpers';
import { dataDirWith, run } from './run';

describe('teller deposits show', () => {
  it('prints the deposit, its payout and its events as JSON (amounts as strings)', async () => {
    const dir = await dataDirWith(async (d) => void (await walk(d, 'aa', 0, 'done')));
    const r = await run(['deposits', 'show', 'aa:0'], dir);
    expect(r.code).toBe(0);
    const body = JSON.parse(r.out);
    expect(body.deposit).toMatchObject({
      deposit_id: 'aa:0',
      status: 'done',
      deposit_value: '1000000',
      sky_sent: '5000000',
    });
    expect(body.payout).toMatchObject({ txid: 'payout-aa-0', amount: '5000000' });
    expect(body.events.map((e: { to: string }) => e.to)).toEqual([
      'waiting_decide',
      'waiting_send',
      'waiting_confirm',
      'done',
    ]);

    const missing = await run(['deposits', 'show', 'zz:9'], dir);
    expect(missing.code).toBe(1);
    expect(missing.err).toBe('teller deposits show: no deposit zz:9\n');
  });
});
