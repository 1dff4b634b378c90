import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Config } from '../../../src/config/types';
import { DepositStore } from '../../../src/exchange/deposit-store';
import { REWOUND_ERROR } from '../../../src/exchange/errors';
import type { Exchange } from '../../../src/exchange/exchange';
import type { ScannedDeposit, StoredStatus } from '../../../src/core/deposit';
import type { DepositRecord } from '../../../src/exchange/types';
import type { DummySender } from '../../../src/sender/dummy-sender';
import { Store } from '../../../src/store/store';
import { exchangeConfig, startExchange } from '../../helpers/exchange-rig';
import { untilValue } from '../../helpers/until';

/**
 * The exchange's side of a scanner rewind (issue 16 item 1): a handed-over deposit whose block a
 * reorg or a rescan took back is held unpaid until the scanner hands it over again; a paid one is
 * reported paid (the scanner alerts the loss if it is not found again).
 */

const SKY = '2VZu3rZozQ6nN37YSdj3EZJV7wSFVuLSm2X';
const ADDR = '1LqBGSKuX5yYUonjxT5qGfpUsXKYYWeabA';

interface Rig {
  store: Store;
  deposits: DepositStore;
  sender: DummySender;
  exchange: Exchange;
}

async function open(dir: string, cfg: Config): Promise<Rig> {
  const store = await Store.open(dir);
  const deposits = new DepositStore(store);
  await deposits.open();
  const { exchange, sender } = await startExchange(store, deposits, cfg);
  return { store, deposits, sender, exchange };
}

async function close(r: Rig): Promise<void> {
  await r.exchange.stop();
  await r.store.close();
}

const dep = (tx: string, value = 5_000_000n): ScannedDeposit => ({
  coin_type: 'BTC',
  address: ADDR,
  value,
  height: 7,
  tx,
  n: 0,
});

describe('Exchange.rewound', () => {
  let dir: string;
  let rig: Rig;
  const status = async (id: string): Promise<DepositRecord | undefined> => rig.deposits.get(id);
  /** The record once it has status `s` (waiting_confirm: once the sender has the payout too). */
  async function until(id: string, s: StoredStatus, timeoutMs?: number): Promise<DepositRecord> {
    const sent = (rec: DepositRecord): boolean =>
      s !== 'waiting_confirm' || rig.sender.list().some((t) => t.txid === rec.txid);
    const rec = await untilValue(
      `${id} to reach ${s}`,
      () => status(id),
      (r) => r?.status === s && sent(r),
      timeoutMs,
    );
    return rec as DepositRecord;
  }

  beforeEach(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'teller-rewound-'));
    const off = exchangeConfig();
    off.sky_exchanger.send_enabled = false;
    rig = await open(dir, off);
    await rig.deposits.bind(SKY, 'BTC', 'BTC', ADDR, 'direct');
  });
  afterEach(() => close(rig));

  it('holds an unpaid deposit until it is handed over again, across a restart', async () => {
    await rig.exchange.receive(dep('held'));
    await until('held:0', 'waiting_send');
    expect(await rig.exchange.rewound(dep('held'))).toBe('held');
    expect(await rig.exchange.rewound(dep('held'))).toBe('held'); // idempotent
    expect(await status('held:0')).toMatchObject({ status: 'waiting_send', error: REWOUND_ERROR });
    expect(rig.deposits.errored.has('held:0')).toBe(true);
    await expect(rig.exchange.retry('held:0')).rejects.toThrow(/not on the chain/);
    // Sending on: the held deposit stays unpaid while another goes through.
    await close(rig);
    rig = await open(dir, exchangeConfig());
    await rig.exchange.receive(dep('other'));
    const other = await until('other:0', 'waiting_confirm');
    expect(rig.sender.list().map((t) => t.txid)).toEqual([other.txid]);
    expect(await status('held:0')).toMatchObject({ status: 'waiting_send', error: REWOUND_ERROR });
    // Found again and confirmed: the scanner hands it over again and the payout goes.
    await rig.exchange.receive(dep('held'));
    const paid = await until('held:0', 'waiting_confirm');
    expect(paid.error).toBe('');
    expect(rig.deposits.errored.has('held:0')).toBe(false);
    const notes = (await rig.deposits.events('held:0')).map((e) => e.note);
    expect(notes).toEqual(expect.arrayContaining([REWOUND_ERROR, expect.stringMatching(/found again/)]));
  });

  it('reports a paid deposit as paid and leaves it alone', async () => {
    await close(rig);
    rig = await open(dir, exchangeConfig());
    await rig.exchange.receive(dep('paid'));
    const before = await until('paid:0', 'waiting_confirm');
    expect(await rig.exchange.rewound(dep('paid'))).toBe('paid');
    await rig.sender.confirm(undefined, 0);
    await until('paid:0', 'done');
    expect(await rig.exchange.rewound(dep('paid'))).toBe('paid');
    expect((await status('paid:0'))?.txid).toBe(before.txid);
  });

  it("answers 'none' for a deposit never recorded or done without a payout", async () => {
    expect(await rig.exchange.rewound(dep('never'))).toBe('none');
    await close(rig);
    rig = await open(dir, exchangeConfig());
    await rig.exchange.receive(dep('dust', 1n)); // rounds to a zero payout
    await until('dust:0', 'done');
    expect(await rig.exchange.rewound(dep('dust', 1n))).toBe('none');
  });
});
