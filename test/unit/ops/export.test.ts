import { PassThrough, Writable } from 'node:stream';
import {
  EXPORT_COLUMNS,
  csvField,
  csvLine,
  depositRecords,
  exportRow,
  writeDeposits,
} from '../../../src/ops/export';
import { openStore, record, walk } from './helpers';

async function collect(format: 'csv' | 'json', status?: 'done' | 'waiting_send'): Promise<string> {
  const { store, deposits } = await openStore();
  await walk(deposits, 'aa', 0, 'done');
  await walk(deposits, 'bb', 1, 'waiting_send');
  const out = new PassThrough();
  const chunks: Buffer[] = [];
  out.on('data', (c: Buffer) => chunks.push(c));
  const n = await writeDeposits(depositRecords(store, status), format, out);
  await store.close();
  const text = Buffer.concat(chunks).toString('utf8');
  expect(n).toBe(status ? 1 : 2);
  return text;
}

describe('deposit export', () => {
  it('writes RFC 4180 CSV with a header row and base-unit amounts', async () => {
    const lines = (await collect('csv')).split('\r\n');
    expect(lines[0]).toBe(EXPORT_COLUMNS.join(','));
    expect(lines).toHaveLength(4);
    expect(lines[3]).toBe('');
    const row = Object.fromEntries(EXPORT_COLUMNS.map((c, i) => [c, lines[1].split(',')[i]]));
    expect(row).toMatchObject({
      deposit_id: 'aa:0',
      status: 'done',
      deposit_value: '1000000',
      sky_sent: '5000000',
      payout_txid: 'payout-aa-0',
    });
  });

  it('writes JSON rows with amounts as strings, filtered by status', async () => {
    const rows = JSON.parse(await collect('json', 'waiting_send')) as Record<string, unknown>[];
    expect(rows).toEqual([
      expect.objectContaining({
        deposit_id: 'bb:1',
        status: 'waiting_send',
        deposit_value: '1000000',
        deposit_n: 1,
      }),
    ]);
    expect(Object.keys(rows[0])).toEqual([...EXPORT_COLUMNS]);
  });

  it('writes an empty JSON array for no deposits', async () => {
    const { store } = await openStore();
    const chunks: string[] = [];
    const out = new Writable({ write: (c: Buffer, _e, cb) => (chunks.push(c.toString()), cb()) });
    await writeDeposits(depositRecords(store), 'json', out);
    await store.close();
    expect(JSON.parse(chunks.join(''))).toEqual([]);
  });

  it.each([
    ['plain', 'plain'],
    ['a,b', '"a,b"'],
    ['say "hi"', '"say ""hi"""'],
    ['two\nlines', '"two\nlines"'],
    ['=HYPERLINK("x")', `"'=HYPERLINK(""x"")"`],
    ['+1', "'+1"],
    ['-2', "'-2"],
    ['@SUM(A1)', "'@SUM(A1)"],
  ])('escapes %j as %s', (v, want) => {
    expect(csvField(v)).toBe(want);
  });

  it('keeps numbers as numbers', () => {
    expect(csvLine([1, 'x', 0])).toBe('1,x,0\r\n');
    expect(exportRow({ ...record('t', 2), seq: 9 }).deposit_n).toBe(2);
  });

  it('stops when the reader goes away', async () => {
    const { store, deposits } = await openStore();
    for (let i = 0; i < 50; i++) await walk(deposits, `t${i}`, 0, 'waiting_decide');
    const out = new Writable({ highWaterMark: 16, write: () => undefined }); // never drains
    const gone = new AbortController();
    const done = writeDeposits(depositRecords(store), 'csv', out, gone.signal);
    setTimeout(() => gone.abort(), 20);
    await expect(done).rejects.toThrow(/abort/i);
    await store.close();
  });
});
