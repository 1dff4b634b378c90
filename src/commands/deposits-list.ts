import { STATUSES, isStatus, type StoredStatus } from '../core/deposit';
import type { DepositRecord } from '../exchange/types';
import { depositRecords, isExportFormat, writeDeposits } from '../ops/export';
import { EXIT_OK, UsageError, parseCommandArgs, withStore, type Command } from './context';

const LIST_FORMATS = ['table', 'json', 'csv'] as const;
/** Longest error text shown in a table cell. */
const ERROR_WIDTH = 60;

/** A `--status` value: a stored status (waiting_deposit is synthetic: bindings without a deposit). */
export function parseStatusFlag(s: string | undefined): StoredStatus | undefined {
  if (s === undefined) return undefined;
  if (!isStatus(s) || s === 'waiting_deposit') {
    throw new UsageError(
      `--status must be one of ${STATUSES.filter((x) => x !== 'waiting_deposit').join(', ')}`,
    );
  }
  return s;
}

const COLUMNS: readonly [string, (d: DepositRecord) => string][] = [
  ['SEQ', (d) => String(d.seq)],
  ['DEPOSIT ID', (d) => d.deposit_id],
  ['STATUS', (d) => d.status],
  ['COIN', (d) => d.coin_type],
  ['VALUE', (d) => d.deposit_value.toString()],
  ['SENT', (d) => d.sky_sent.toString()],
  ['ERROR', (d) => (d.error.length > ERROR_WIDTH ? `${d.error.slice(0, ERROR_WIDTH - 1)}…` : d.error)],
];

/** Aligned columns; amounts in base units. */
export function formatTable(records: readonly DepositRecord[]): string {
  const rows = [COLUMNS.map(([h]) => h), ...records.map((d) => COLUMNS.map(([, cell]) => cell(d)))];
  const widths = COLUMNS.map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  return (
    rows
      .map((r) =>
        r
          .map((c, i) => c.padEnd(widths[i]))
          .join('  ')
          .trimEnd(),
      )
      .join('\n') + '\n'
  );
}

/** `teller deposits list [--status s] [--format table|json|csv]`. */
export const depositsList: Command = {
  words: ['deposits', 'list'],
  args: '[--status <status>] [--format table|json|csv]',
  summary: 'list deposits (amounts in base units)',
  async run(args, env) {
    const { values } = parseCommandArgs(
      args,
      { status: { type: 'string' }, format: { type: 'string', default: 'table' } },
      { min: 0, max: 0 },
    );
    const status = parseStatusFlag(values.status);
    const format = values.format;
    if (!(LIST_FORMATS as readonly string[]).includes(format))
      throw new UsageError('--format must be table, json or csv');
    await withStore(
      env,
      'the daemon is running: use GET /api/deposits?status=<s> on the admin API',
      async (store) => {
        if (isExportFormat(format)) {
          await writeDeposits(depositRecords(store, status), format, env.stdout);
          return;
        }
        const records: DepositRecord[] = [];
        for await (const d of depositRecords(store, status)) records.push(d);
        env.out(formatTable(records));
        env.out(`${records.length} deposit${records.length === 1 ? '' : 's'}\n`);
      },
    );
    return EXIT_OK;
  },
};
