import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { checkpointPath, readCheckpoint, type CheckpointState } from '../../../src/store/checkpoint';
import { StoreDamagedError } from '../../../src/store/errors';
import { Store, type Op } from '../../../src/store/store';
import { failNextBatch } from '../../helpers/store-faults';

/**
 * The store's checkpoint (src/store/checkpoint.ts): it says what durable batches hold, never more;
 * a store that does not hold what it says is refused at open.
 */

let dataDir: string;
let dir: string;
let file: string;
beforeEach(() => {
  dataDir = mkdtempSync(path.join(os.tmpdir(), 'teller-checkpoint-'));
  dir = path.join(dataDir, 'teller.db');
  file = checkpointPath(dir);
});
afterEach(() => {
  jest.restoreAllMocks();
  rmSync(dataDir, { recursive: true, force: true });
});

const open = () => Store.open(dir, { checkpoint: file });
const event = (seq: number, hash: string): Op => ({
  type: 'put',
  space: 'events',
  key: String(seq).padStart(16, '0'),
  value: { seq, hash },
});
const recorded = (): CheckpointState => readCheckpoint(file, dir) as CheckpointState;
const rewrite = (change: Partial<CheckpointState>): void => {
  const doc = JSON.parse(readFileSync(file, 'utf8')) as CheckpointState;
  writeFileSync(file, JSON.stringify({ ...doc, ...change }));
};

describe('store checkpoint', () => {
  it('records the last durable batch and audit head; a failed batch does not move it', async () => {
    const store = await open();
    await store.write([event(1, 'h1')]);
    await store.write([event(2, 'h2')]);
    failNextBatch(store, 'EIO');
    await expect(store.write([event(3, 'h3')])).rejects.toThrow('EIO');
    await store.close();
    expect(recorded()).toEqual({ ...store.state(), event_seq: 2, event_hash: 'h2' });
    expect(recorded().store_id).toMatch(/^[0-9a-f]{32}$/);
    const again = await open();
    await again.close();
  });

  it.each<[string, (s: CheckpointState) => Partial<CheckpointState>, RegExp]>([
    [
      'ahead of the store',
      (s) => ({ batch: s.batch + 3 }),
      /holds \d+ writes but acknowledged \d+.*the last 3 are gone/,
    ],
    ['another store', () => ({ store_id: 'f'.repeat(32) }), /not the store its checkpoint/],
    ['an audit head the store lacks', () => ({ event_seq: 9, event_hash: 'h9' }), /lacks the event #9/],
    ['another audit head', () => ({ event_hash: 'other' }), /has another event #1/],
  ])('a checkpoint naming %s: the store is refused', async (_name, change, reason) => {
    const store = await open();
    await store.write([event(1, 'h1')]);
    await store.close();
    rewrite(change(recorded()));
    const err = await open().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(StoreDamagedError);
    expect((err as Error).message).toMatch(reason);
  });

  it('an unreadable checkpoint is damage, not a fresh start', async () => {
    const store = await open();
    await store.close();
    writeFileSync(file, '{"format":"teller-chec');
    await expect(open()).rejects.toThrow(/is not valid JSON/);
  });

  it('a store without a checkpoint (an older build) gets one', async () => {
    const store = await Store.open(dir);
    await store.write([event(1, 'h1')]);
    await store.close();
    const upgraded = await open();
    await upgraded.close();
    expect(recorded()).toMatchObject({ event_seq: 1, event_hash: 'h1' });
  });
});
