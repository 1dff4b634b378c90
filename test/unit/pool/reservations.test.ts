import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DeriveReservations, RESERVE_BLOCK, ReservationError } from '../../../src/pool/reservations';

/** The derive reservation file (issue 19): blocks reserved durably, a clean stop only for its store. */

let dir: string;
beforeEach(() => (dir = mkdtempSync(path.join(os.tmpdir(), 'teller-derive-'))));
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const file = (): string => path.join(dir, 'teller.db.derive');

describe('DeriveReservations', () => {
  it('reserves a block before its first index, and writes only when the block runs out', async () => {
    const r = DeriveReservations.read(file());
    expect(r.existed).toBe(false);
    expect(await r.reserve('BTC!a', 0)).toBe(RESERVE_BLOCK);
    const written = readFileSync(file(), 'utf8');
    expect(await r.reserve('BTC!a', RESERVE_BLOCK - 1)).toBe(RESERVE_BLOCK);
    expect(readFileSync(file(), 'utf8')).toBe(written);
    expect(await r.reserve('BTC!a', RESERVE_BLOCK)).toBe(2 * RESERVE_BLOCK);
    expect(DeriveReservations.read(file()).mark('BTC!a')).toBe(2 * RESERVE_BLOCK);
  });

  it('a failed write leaves the mark where the file has it (the next reserve writes again)', async () => {
    const r = DeriveReservations.read(file());
    await r.reserve('ETH!b', 0);
    mkdirSync(`${file()}.tmp`); // the temp file cannot be written (EISDIR), whoever runs the test
    await expect(r.reserve('ETH!b', RESERVE_BLOCK)).rejects.toThrow();
    expect(r.mark('ETH!b')).toBe(RESERVE_BLOCK);
    expect(DeriveReservations.read(file()).mark('ETH!b')).toBe(RESERVE_BLOCK);
    rmSync(`${file()}.tmp`, { recursive: true });
    expect(await r.reserve('ETH!b', RESERVE_BLOCK)).toBe(2 * RESERVE_BLOCK);
  });

  it('a clean stop counts for its own store state only, and is forgotten once opened or raised', async () => {
    const r = DeriveReservations.read(file());
    await r.reserve('BTC!a', 0);
    await r.stopped({ store_id: 's', batch: 7 });
    const again = DeriveReservations.read(file());
    expect(again.stoppedCleanlyAt({ store_id: 's', batch: 7 })).toBe(true);
    expect(again.stoppedCleanlyAt({ store_id: 's', batch: 6 })).toBe(false);
    await again.opened();
    expect(DeriveReservations.read(file()).stoppedCleanlyAt({ store_id: 's', batch: 7 })).toBe(false);
  });

  it('a damaged file is refused, naming the way out', () => {
    writeFileSync(file(), '{"format":"teller-derive","reserved":{"BTC!a":-1}}');
    expect(() => DeriveReservations.read(file())).toThrow(ReservationError);
    expect(() => DeriveReservations.read(file())).toThrow(/damaged.*pool reserve/);
  });
});
