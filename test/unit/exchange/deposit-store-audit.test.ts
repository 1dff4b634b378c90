import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runCommand } from '../../../src/commands/index';
import { DepositStore } from '../../../src/exchange/deposit-store';
import type { DepositRecord } from '../../../src/exchange/types';
import { verifyAudit } from '../../../src/ops/audit';
import { Store } from '../../../src/store/store';
import { PassThrough } from 'node:stream';
import { depositRecord } from '../../helpers/deposit-record';
import { failNextBatch } from '../../helpers/store-faults';

/**
 * The audit chain survives failed writes (issue 16.4): an event's seq and hash are taken only for
 * a batch that becomes durable, so a failed (group-committed) batch leaves no sequence gap and the
 * writes after it still extend the chain.
 */

let dataDir: string;
beforeEach(() => {
  dataDir = mkdtempSync(path.join(os.tmpdir(), 'teller-audit-fail-'));
});
afterEach(() => {
  jest.restoreAllMocks();
  rmSync(dataDir, { recursive: true, force: true });
});

/** Deposit `tx<i>:0` to `addr<i>`, 1000 sat. */
const record = (i: number): Omit<DepositRecord, 'seq'> =>
  depositRecord(`tx${i}`, 0, { deposit_address: `addr${i}`, deposit_value: 1000n, sky_address: 'sky' });

async function open(): Promise<{ store: Store; deposits: DepositStore }> {
  const store = await Store.open(path.join(dataDir, 'teller.db'));
  const deposits = new DepositStore(store);
  await deposits.open();
  return { store, deposits };
}

/** `teller audit verify` on the closed store: exit code and output. */
async function auditCli(): Promise<{ code: number; out: string }> {
  const out = new PassThrough();
  let text = '';
  out.on('data', (c: Buffer) => (text += c.toString('utf8')));
  const code = await runCommand(['audit', 'verify'], {
    dataDir,
    configArg: undefined,
    stdout: out,
    stderr: out,
  });
  await new Promise((r) => setImmediate(r));
  return { code, out: text };
}

describe('audit chain and failed writes', () => {
  it('a failed batch leaves no gap: the writes queued behind it and after it verify', async () => {
    let { store, deposits } = await open();
    const recs = await Promise.all([1, 2, 3, 4].map((i) => deposits.create(record(i), 'seen')));
    // The next LevelDB batch fails (an I/O error): the first transition goes alone, the two queued
    // behind it while it is in flight form the next group, which succeeds.
    failNextBatch(store);
    const results = await Promise.allSettled(
      recs.slice(0, 3).map((r) => deposits.transition(r, { status: 'waiting_send' }, 'decided')),
    );
    expect(results.map((r) => r.status)).toEqual(['rejected', 'fulfilled', 'fulfilled']);
    // A whole group fails: the two writers queued behind a batch in flight share the next one.
    const first = deposits.update(recs[3], { attempts: 1 }, 'noop');
    failNextBatch(store);
    const group = await Promise.allSettled([
      deposits.update(recs[3], { attempts: 2 }, 'a'),
      deposits.update(recs[3], { attempts: 3 }, 'b'),
    ]);
    await first;
    expect(group.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    // The failed one is retried, and life goes on.
    await deposits.transition(recs[0], { status: 'waiting_send' }, 'decided (retried)');
    await deposits.update(recs[3], { attempts: 4 }, 'later');
    const report = await verifyAudit(store);
    expect(report.first_broken).toBeUndefined();
    expect(report.ok).toBe(true);
    expect(report.head_seq).toBe(report.count);
    await store.close();

    // After a restart the chain continues from what is in the store.
    ({ store, deposits } = await open());
    const again = (await deposits.get('tx2:0')) as DepositRecord;
    await deposits.update(again, { attempts: 9 }, 'after restart');
    await store.close();
    const cli = await auditCli();
    expect(cli.out).toMatch(/audit log OK/);
    expect(cli.code).toBe(0);
  });

  it('a write whose own record cannot be stored fails alone, and the chain goes on', async () => {
    const { store, deposits } = await open();
    const [a, b, c] = await Promise.all([1, 2, 3].map((i) => deposits.create(record(i), 'seen')));
    const bad = { type: 'put' as const, space: 'meta' as const, key: 'x', value: { f: () => 1 } };
    // c's write is in flight; a's (which cannot be encoded) and b's are queued into one batch.
    const inFlight = deposits.update(c, { attempts: 1 }, 'in flight');
    const [failed, ok] = await Promise.allSettled([
      deposits.update(a, { attempts: 1 }, 'bad', [bad]),
      deposits.update(b, { attempts: 1 }, 'good'),
    ]);
    await inFlight;
    expect([failed.status, ok.status]).toEqual(['rejected', 'fulfilled']);
    await deposits.update(a, { attempts: 2 }, 'again');
    const report = await verifyAudit(store);
    expect(report.first_broken).toBeUndefined();
    expect(report.ok).toBe(true);
    await store.close();
  });
});
