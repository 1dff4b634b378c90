import { once } from 'node:events';
import type { StoredStatus } from '../core/deposit';
import type { DepositRecord } from '../exchange/types';
import { prefixRange, type Store } from '../store/store';

/**
 * Deposits as flat rows for spreadsheets and scripts (`teller deposits export`, GET /api/export).
 * Amounts are integers in base units (deposit_value: the deposit coin's; sky_sent and
 * passthrough_sky_bought: the payout coin's; passthrough_spent: the deposit coin's), as strings in
 * JSON so that no consumer rounds them through a float. Times are unix seconds.
 */

export const EXPORT_FORMATS = ['csv', 'json'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];
export const isExportFormat = (s: string): s is ExportFormat =>
  (EXPORT_FORMATS as readonly string[]).includes(s);

export const EXPORT_COLUMNS = [
  'seq',
  'deposit_id',
  'status',
  'coin_type',
  'deposit_address',
  'deposit_tx',
  'deposit_n',
  'deposit_height',
  'deposit_value',
  'sky_address',
  'buy_method',
  'conversion_rate',
  'max_decimals',
  'sky_sent',
  'payout_txid',
  'error',
  'last_error',
  'attempts',
  'created_at',
  'updated_at',
  'passthrough_exchange',
  'passthrough_order_id',
  'passthrough_sky_bought',
  'passthrough_spent',
] as const;
export type ExportColumn = (typeof EXPORT_COLUMNS)[number];
export type ExportRow = Record<ExportColumn, string | number>;

export function exportRow(d: DepositRecord): ExportRow {
  return {
    seq: d.seq,
    deposit_id: d.deposit_id,
    status: d.status,
    coin_type: d.coin_type,
    deposit_address: d.deposit_address,
    deposit_tx: d.deposit.tx,
    deposit_n: d.deposit.n,
    deposit_height: d.deposit.height,
    deposit_value: d.deposit_value.toString(),
    sky_address: d.sky_address,
    buy_method: d.buy_method,
    conversion_rate: d.conversion_rate,
    max_decimals: d.max_decimals,
    sky_sent: d.sky_sent.toString(),
    payout_txid: d.txid,
    error: d.error,
    last_error: d.last_error,
    attempts: d.attempts,
    created_at: d.created_at,
    updated_at: d.updated_at,
    passthrough_exchange: d.passthrough.exchange_name,
    passthrough_order_id: d.passthrough.order.order_id,
    passthrough_sky_bought: d.passthrough.sky_bought.toString(),
    passthrough_spent: d.passthrough.deposit_value_spent.toString(),
  };
}

/**
 * One RFC 4180 field. Text that a spreadsheet would run as a formula (=, +, -, @, tab, CR first)
 * gets a leading apostrophe: error texts and addresses come from outside.
 */
export function csvField(v: string | number): string {
  if (typeof v === 'number') return String(v);
  const safe = /^[=+\-@\t\r]/.test(v) ? `'${v}` : v;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

export const csvLine = (values: readonly (string | number)[]): string =>
  values.map(csvField).join(',') + '\r\n';

/** Every deposit in deposit-id order, or those with `status` (through the status index). */
export async function* depositRecords(store: Store, status?: StoredStatus): AsyncGenerator<DepositRecord> {
  if (status === undefined) {
    for await (const [, rec] of store.entries<DepositRecord>('deposits')) yield rec;
    return;
  }
  for await (const key of store.keys('deposit_status', prefixRange(`${status}!`))) {
    const rec = await store.get<DepositRecord>('deposits', key.slice(status.length + 1));
    if (rec) yield rec;
  }
}

/**
 * Writes `records` to `out` in `format`, honouring back-pressure; returns the row count. `signal`
 * ends the export early (the reader went away): it then rejects with an AbortError.
 */
export async function writeDeposits(
  records: AsyncIterable<DepositRecord>,
  format: ExportFormat,
  out: NodeJS.WritableStream,
  signal?: AbortSignal,
): Promise<number> {
  const write = async (text: string): Promise<void> => {
    signal?.throwIfAborted();
    if (!out.write(text)) await once(out, 'drain', { signal });
  };
  let n = 0;
  if (format === 'csv') await write(csvLine(EXPORT_COLUMNS));
  else await write('[');
  for await (const rec of records) {
    const row = exportRow(rec);
    if (format === 'csv') await write(csvLine(EXPORT_COLUMNS.map((c) => row[c])));
    else await write(`${n === 0 ? '' : ','}\n${JSON.stringify(row)}`);
    n++;
  }
  if (format === 'json') await write(n === 0 ? ']\n' : '\n]\n');
  return n;
}

/** MIME type of an export. */
export const exportContentType = (format: ExportFormat): string =>
  format === 'csv' ? 'text/csv; charset=utf-8' : 'application/json';
