import { startExchange } from '../../../helpers/exchange-rig';
import path from 'node:path';
import { DepositStore } from '../../../../src/exchange/deposit-store';
import { verifyAudit } from '../../../../src/ops/audit';
import { Store } from '../../../../src/store/store';
import { waitForStatus, walk } from '../helpers';
import { dataDirWith, run, withOpenStore } from './run';

describe('teller deposits retry', () => {
  it('clears the error with an event; the daemon resumes the deposit at its next start', async () => {
    const dir = await dataDirWith(async (d) => {
      const rec = await walk(d, 'aa', 0, 'waiting_send');
      await d.update(
        rec,
        { error: 'CreateTransaction not enough coins', last_error: 'CreateTransaction not enough coins' },
        'error',
      );
    });
    const r = await run(['deposits', 'retry', 'aa:0'], dir);
    expect(r.code).toBe(0);
    expect(r.out).toBe(
      'deposit aa:0 (waiting_send): error cleared; the daemon resumes it at its next start\n',
    );
    await withOpenStore(dir, async (d, store) => {
      expect(await d.get('aa:0')).toMatchObject({ error: '', last_error: '', status: 'waiting_send' });
      expect((await d.events('aa:0')).at(-1)?.note).toBe('retry requested by operator (offline)');
      expect(d.errored.size).toBe(0);
      expect((await verifyAudit(store)).ok).toBe(true);
    });

    // "Next start": the exchange resumes it from its stored status and pays it.
    const store = await Store.open(path.join(dir, 'teller.db'));
    const deposits = new DepositStore(store);
    await deposits.open();
    const { exchange } = await startExchange(store, deposits);
    await waitForStatus(deposits, 'aa:0', 'waiting_confirm');
    await exchange.stop();
    await store.close();
  });

  it('says so when there is nothing to clear, and refuses done or unknown deposits', async () => {
    const dir = await dataDirWith(async (d) => {
      await walk(d, 'aa', 0, 'waiting_confirm');
      const done = await walk(d, 'bb', 0, 'done');
      await d.update(done, { error: 'Skycoin send amount is 0' }, 'zero');
    });
    let r = await run(['deposits', 'retry', 'aa:0'], dir);
    expect([r.code, r.out]).toEqual([
      0,
      'deposit aa:0 (waiting_confirm) has no error: the daemon resumes it at its next start anyway\n',
    ]);
    r = await run(['deposits', 'retry', 'bb:0'], dir);
    expect([r.code, r.err]).toEqual([
      1,
      'teller deposits retry: deposit bb:0 is done: Skycoin send amount is 0\n',
    ]);
    r = await run(['deposits', 'retry', 'zz:0'], dir);
    expect([r.code, r.err]).toEqual([1, 'teller deposits retry: no deposit zz:0\n']);
    await withOpenStore(dir, async (d) => expect(await d.events('aa:0')).toHaveLength(3));
  });
});
