/**
 * Benchmark 5: store. Deposit transitions per second through DepositStore.transition (each one
 * atomic, synced batch: record + status index + hash-chained event), 100,000 deposits, many in
 * flight as when the exchange moves a block's worth of deposits at once; baseline: the same ops
 * written straight to LevelDB (classic-level, the engine under `level`) with the same commit
 * policy as the store: writes queue while one synced batch is in flight, and everything queued
 * goes in the next one (group commit, one fsync per batch), the same number of writers in flight.
 */
import { rmSync } from 'node:fs';
import path from 'node:path';
import { ClassicLevel } from 'classic-level';
import { DepositStore } from '../src/exchange/deposit-store';
import type { DepositRecord } from '../src/exchange/types';
import { checkpointPath } from '../src/store/checkpoint';
import { LEVELDB_OPTIONS, writeSynced } from '../src/store/leveldb';
import { encodeValue, seqKey, Store } from '../src/store/store';
import { depositRecord, forEachConcurrent, skyAddresses } from './lib/deposits';
import { benchTmp } from './lib/fixtures';
import { emit, figure, progress } from './lib/report';
import { gc, median, ratios } from './lib/stats';

const ID = 'store';
const DEPOSITS = 100_000;
const ROUNDS = 10;
const IN_FLIGHT = 64;
const SEQUENTIAL_SAMPLE = 2_000;

type RawOp = { type: 'put'; key: string; value: Uint8Array } | { type: 'del'; key: string };

/**
 * The store's commit policy on a bare LevelDB: one synced batch in flight; writes that arrive
 * meanwhile are merged into the next batch, and each resolves once its batch is durable.
 */
class GroupCommit {
  private queue: { ops: RawOp[]; done: () => void; fail: (err: unknown) => void }[] = [];
  private writing = false;
  batches = 0;

  constructor(private readonly db: ClassicLevel<string, Uint8Array>) {}

  write(ops: RawOp[]): Promise<void> {
    return new Promise((done, fail) => {
      this.queue.push({ ops, done, fail });
      if (!this.writing) void this.flush();
    });
  }

  private async flush(): Promise<void> {
    this.writing = true;
    while (this.queue.length > 0) {
      const group = this.queue;
      this.queue = [];
      this.batches++;
      try {
        // As the store writes a batch: a chained batch, synced.
        await writeSynced(
          this.db,
          group.flatMap((w) =>
            w.ops.map((op) => ({ key: op.key, value: op.type === 'put' ? op.value : undefined })),
          ),
        );
        for (const w of group) w.done();
      } catch (err) {
        for (const w of group) w.fail(err);
      }
    }
    this.writing = false;
  }
}

async function main(): Promise<void> {
  const dir = path.join(benchTmp(), 'store-bench');
  rmSync(dir, { recursive: true, force: true });
  // As the daemon opens it (src/app.ts): with its checkpoint, rewritten after each durable batch.
  const storeDir = path.join(dir, 'teller.db');
  const store = await Store.open(storeDir, { checkpoint: checkpointPath(storeDir) });
  const deposits = new DepositStore(store);
  await deposits.open();
  const raw = new ClassicLevel<string, Uint8Array>(path.join(dir, 'raw.db'), LEVELDB_OPTIONS);
  await raw.open();
  const rawCommits = new GroupCommit(raw);

  const sky = skyAddresses(DEPOSITS / 5);
  const records: DepositRecord[] = new Array(DEPOSITS);
  let t = performance.now();
  await forEachConcurrent(0, DEPOSITS, IN_FLIGHT, async (i) => {
    const r = depositRecord(i, {
      address: `bc1qbench${i}`,
      skyAddress: sky[i % sky.length],
      status: 'waiting_decide',
    });
    records[i] = await deposits.create(
      r,
      `deposit of ${r.deposit_value} BTC base units at height ${r.deposit.height}`,
    );
  });
  const createRate = DEPOSITS / ((performance.now() - t) / 1000);
  progress(ID, `${DEPOSITS} deposits created: ${Math.round(createRate)}/s`);

  // Rounds alternate: a slice of real transitions, then as many raw batches of the same bytes.
  const per = DEPOSITS / ROUNDS;
  const ours: number[] = [];
  const base: number[] = [];
  let rawSeq = 0;
  const ourRound = async (r: number): Promise<number> => {
    const t0 = performance.now();
    await forEachConcurrent(r * per, (r + 1) * per, IN_FLIGHT, async (i) => {
      records[i] = await deposits.transition(records[i], { status: 'waiting_send' }, 'buy method direct');
    });
    return per / ((performance.now() - t0) / 1000);
  };
  const rawRound = async (r: number): Promise<number> => {
    const t0 = performance.now();
    await forEachConcurrent(r * per, (r + 1) * per, IN_FLIGHT, async (i) => {
      const rec = { ...records[i], status: 'waiting_send' as const };
      const seq = ++rawSeq;
      await rawCommits.write([
        { type: 'put', key: `!deposits!${rec.deposit_id}`, value: encodeValue(rec) },
        { type: 'put', key: `!deposit_status!waiting_send!${rec.deposit_id}`, value: encodeValue('') },
        {
          type: 'put',
          key: `!events!${seqKey(seq)}`,
          value: encodeValue({
            seq,
            at: Date.now(),
            deposit_id: rec.deposit_id,
            from: 'waiting_decide',
            to: 'waiting_send',
            note: 'buy method direct',
            prev_hash: 'x'.repeat(64),
            hash: 'y'.repeat(64),
          }),
        },
        { type: 'del', key: `!deposit_status!waiting_decide!${rec.deposit_id}` },
      ]);
    });
    return per / ((performance.now() - t0) / 1000);
  };
  for (let r = 0; r < ROUNDS; r++) {
    gc();
    if (r % 2 === 0) {
      ours.push(await ourRound(r));
      base.push(await rawRound(r));
    } else {
      base.push(await rawRound(r));
      ours.push(await ourRound(r));
    }
  }
  progress(ID, `transitions: ${Math.round(median(ours))}/s, raw LevelDB ${Math.round(median(base))}/s`);

  // One at a time: what a lone deposit pays for durability (one fsync per transition).
  t = performance.now();
  for (let i = 0; i < SEQUENTIAL_SAMPLE; i++) {
    records[i] = await deposits.transition(
      records[i],
      { status: 'waiting_confirm', txid: 'ab'.repeat(32) },
      'payout broadcast',
    );
  }
  const sequential = SEQUENTIAL_SAMPLE / ((performance.now() - t) / 1000);

  // Every record must have moved, and the event chain must be whole.
  const waitingSend = (await deposits.idsWithStatus('waiting_send')).length;
  if (waitingSend !== DEPOSITS - SEQUENTIAL_SAMPLE)
    throw new Error(`${waitingSend} deposits in waiting_send`);
  await raw.close();
  await store.close();
  rmSync(dir, { recursive: true, force: true });

  emit({
    id: ID,
    title: 'Store: deposit transitions (100,000 deposits)',
    figures: [
      figure({
        name: `transitions, ${IN_FLIGHT} deposits in flight (one atomic synced batch each)`,
        value: median(ours),
        unit: 'transitions/s',
        baseline: {
          name: `raw LevelDB, the same ops, the same group commit (one synced batch in flight), ${IN_FLIGHT} writers`,
          value: median(base),
          unit: 'writes/s',
        },
        ratio: median(ratios(ours, base)),
        ratioMeaning: 'DepositStore transitions/s ÷ raw LevelDB writes/s, per round',
        atLeast: 5000,
      }),
    ],
    notes: [
      `${DEPOSITS} deposits created first (${Math.round(createRate)}/s); ${ROUNDS} rounds of ${per} transitions alternate with ${per} raw writes (${rawCommits.batches} synced raw batches in all)`,
      `one at a time (each awaited before the next): ${Math.round(sequential)} transitions/s — every one waits for its own fsync`,
    ],
    details: {
      rounds: { ours, raw: base },
      create_per_s: createRate,
      sequential_per_s: sequential,
      in_flight: IN_FLIGHT,
    },
  });
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
