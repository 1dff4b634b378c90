import { h, type Children } from '../shared/dom';
import { arr, bool, isObject, num, obj, str, type JsonObject } from '../shared/json';
import { amount, baseUnits, label, shorten, time } from './format';
import { empty, failure, kv, section, table, value, type TableOptions } from './render';

/** The dashboard's panels, each rendered from one API response (or its error). */

export type Loaded = { ok: true; data: unknown } | { ok: false; error: string } | undefined;

export const STATUSES = [
  'waiting_deposit',
  'waiting_decide',
  'waiting_send',
  'waiting_confirm',
  'waiting_passthrough',
  'waiting_passthrough_order_complete',
  'done',
];

const code = (s: string, keep = 10): HTMLElement =>
  h('code', { attrs: { title: s } }, s === '' ? '—' : shorten(s, keep));

export const badge = (status: string): HTMLElement =>
  h('span', { class: `badge status-${status}` }, label(status));

function card(title: string, testid: string, body: Children, tone = ''): HTMLElement {
  return h(
    'div',
    { class: `stat ${tone}`, testid },
    h('div', { class: 'stat-title' }, title),
    h('div', { class: 'stat-value' }, body),
  );
}

/** Headline numbers from /api/overview and /api/accounting. */
export function summary(overview: Loaded, accounting: Loaded, errored: Loaded): HTMLElement {
  const o = overview?.ok === true ? obj(overview.data) : undefined;
  const a = accounting?.ok === true ? obj(accounting.data) : undefined;
  const wallet = obj(o?.hot_wallet);
  const payout = str(wallet, 'coin', 'SKY');
  const cards: HTMLElement[] = [];
  if (o !== undefined && 'hot_wallet' in o) {
    const error = str(wallet, 'error');
    cards.push(
      card(
        'Hot wallet',
        'hot-wallet',
        [
          error === '' ? `${amount(str(wallet, 'balance'))} ${str(wallet, 'coin')}` : null,
          error === '' ? null : h('span', { class: 'error-text' }, error),
          str(wallet, 'kind') === '' ? null : h('div', { class: 'stat-sub' }, str(wallet, 'kind')),
        ],
        error === '' ? '' : 'tone-error',
      ),
    );
  }
  if (o !== undefined && 'sold_out' in o) {
    const soldOut = bool(o, 'sold_out');
    const senderError = str(o, 'sender_error');
    cards.push(
      card(
        'Sales',
        'sold-out-state',
        [
          soldOut ? 'Sold out' : 'Selling',
          senderError === '' ? null : h('div', { class: 'stat-sub error-text' }, senderError),
        ],
        soldOut || senderError !== '' ? 'tone-error' : 'tone-ok',
      ),
    );
  }
  if (a !== undefined) {
    cards.push(card('Paid out', 'accounting-sent', `${amount(str(a, 'sent'))} ${payout}`));
    const received = obj(a.received);
    cards.push(
      card(
        'Received',
        'accounting-received',
        h(
          'ul',
          { class: 'plain' },
          Object.keys(received).map((c) => h('li', null, `${amount(str(received, c))} ${c}`)),
        ),
      ),
    );
  }
  if (errored?.ok === true) {
    const n = arr(obj(errored.data), 'deposits').length;
    cards.push(card('Errored deposits', 'errored-count', String(n), n > 0 ? 'tone-error' : 'tone-ok'));
  }
  const problems = [overview, accounting]
    .filter((r) => r?.ok === false)
    .map((r) => (r?.ok === false ? r.error : ''));
  return h(
    'div',
    { class: 'summary' },
    h('div', { class: 'stats' }, cards),
    problems.map((p) => failure(p)),
  );
}

function pools(data: unknown): HTMLElement {
  const p = obj(data);
  const rows = Object.keys(p).map((coin) => ({ coin, ...obj(p[coin]) }));
  if (rows.length === 0) return empty('No address pools.');
  return table(rows, {
    testid: 'pools-table',
    first: ['coin', 'total', 'used', 'remaining'],
    extra: {
      header: 'usage',
      cell: (r) => {
        const total = num(r, 'total');
        if (total <= 0) return '—';
        return h('progress', {
          class: 'bar',
          attrs: { max: total, value: num(r, 'used'), title: `${num(r, 'used')} of ${total}` },
        });
      },
    },
    rowClass: (r) => ('remaining' in r && num(r, 'remaining') === 0 ? 'row-alert' : ''),
  });
}

/** A block height the scanner reports; -1 means none (not scanned yet, or the dummy scanner). */
const height = (r: JsonObject, key: string): string => {
  const n = num(r, key);
  return n < 0 ? '—' : String(n);
};

function scanners(data: unknown): HTMLElement {
  const rows = (
    Array.isArray(data) ? data : Object.entries(obj(data)).map(([chain, v]) => ({ chain, ...obj(v) }))
  ).filter(isObject);
  if (rows.length === 0) return empty('No scanners.');
  return table(rows, {
    testid: 'scanners-table',
    first: ['chain', 'enabled', 'height', 'tip', 'lag', 'last_error', 'alert', 'hash'],
    cell: (key, r) => {
      const dummy = str(r, 'chain') === 'dummy';
      if (key === 'alert') return alertCell(r.alert);
      if (key === 'hash') {
        // The dummy scanner reads no chain: say where its deposits come from instead.
        return dummy
          ? h('span', { class: 'muted' }, 'no chain: deposits come from the dummy API')
          : code(str(r, key), 8);
      }
      if (key === 'height' || key === 'tip') return height(r, key);
      if (key === 'lag' && dummy) return '—';
      return undefined;
    },
    rowClass: (r) =>
      r.alert === true || (typeof r.alert === 'string' && r.alert !== '') || str(r, 'last_error') !== ''
        ? 'row-alert'
        : '',
  });
}

function alertCell(v: unknown): HTMLElement | string {
  if (v === true) return h('span', { class: 'error-text' }, 'ALERT');
  if (typeof v === 'string' && v !== '') return h('span', { class: 'error-text' }, v);
  return h('span', { class: 'muted' }, 'ok');
}

/** Deposit counts per status as buttons that set the filter. */
function byStatus(data: unknown, onFilter: (status: string) => void): HTMLElement {
  const counts = obj(data);
  return h(
    'div',
    { class: 'chips', testid: 'deposits-by-status' },
    Object.keys(counts).map((s) =>
      h(
        'button',
        { class: 'chip', attrs: { type: 'button' }, on: { click: () => onFilter(s) } },
        badge(s),
        h('strong', null, String(counts[s])),
      ),
    ),
  );
}

export function overviewPanels(overview: Loaded, onFilter: (status: string) => void): HTMLElement[] {
  if (overview === undefined) return [];
  if (!overview.ok) return [section('Pools and scanners', 'overview', failure(overview.error))];
  const o = obj(overview.data);
  // Shown in the summary cards or their own panels; anything else goes to "More".
  const known = [
    'pools',
    'scanners',
    'hot_wallet',
    'sold_out',
    'sender_error',
    'deposits_by_status',
    'deposit_error_count',
  ];
  const rest = Object.fromEntries(Object.entries(o).filter(([k]) => !known.includes(k)));
  return [
    'pools' in o ? section('Deposit address pools', 'pools', pools(o.pools)) : null,
    'scanners' in o ? section('Scanners', 'scanners', scanners(o.scanners)) : null,
    'deposits_by_status' in o
      ? section('Deposits by status', 'status-counts', byStatus(o.deposits_by_status, onFilter))
      : null,
    Object.keys(rest).length > 0 ? section('More', 'overview-more', kv(rest)) : null,
  ].filter((e): e is HTMLElement => e !== null);
}

export interface DepositTableOptions {
  testid: string;
  payoutCoin: string;
  /** Deposit ids whose whole record is shown under the table. */
  open: Set<string>;
  /** Called when a record is opened or closed. */
  onToggle: () => void;
  action?: TableOptions['extra'];
}

/** The columns of a deposit row, so that the table fits a 1280 px screen; the rest is in its record. */
const DEPOSIT_COLUMNS = [
  'seq',
  'updated_at',
  'status',
  'amount',
  'sky_address',
  'deposit_address',
  'deposit_id',
  'txid',
  'error',
  'record',
];
const DEPOSIT_HEADERS: Record<string, string> = {
  updated_at: 'updated',
  amount: 'deposit → payout',
  sky_address: 'buyer address',
  deposit_id: 'deposit (tx:n)',
  txid: 'payout txid',
};

/** What the dashboard's search box matches: buyer address, deposit address, txids. */
export const depositSearchText = (r: JsonObject): string =>
  [str(r, 'sky_address'), str(r, 'deposit_address'), str(r, 'deposit_id'), str(r, 'txid')]
    .join(' ')
    .toLowerCase();

/** Teller's DepositInfo rows, newest (highest seq) first; a row's whole record opens below the table. */
export function depositTable(deposits: JsonObject[], opts: DepositTableOptions): HTMLElement {
  const payoutDecimals = opts.payoutCoin === 'SKY' ? 6 : undefined;
  const sorted = [...deposits].sort((a, b) => num(b, 'seq') - num(a, 'seq'));
  const toggle = (id: string): HTMLElement => {
    const opened = opts.open.has(id);
    return h(
      'button',
      {
        class: 'btn btn-small btn-ghost record-toggle',
        testid: 'record-toggle',
        attrs: { type: 'button', 'aria-expanded': opened },
        on: {
          click: () => {
            if (opened) opts.open.delete(id);
            else opts.open.add(id);
            opts.onToggle();
          },
        },
      },
      opened ? 'close' : 'open',
    );
  };
  // The errored table has its Retry column instead: its records open from the deposits table.
  const columns = opts.action === undefined ? DEPOSIT_COLUMNS : DEPOSIT_COLUMNS.filter((c) => c !== 'record');
  const rows = sorted.map((d) => Object.fromEntries(columns.map((k) => [k, d[k] ?? ''])));
  const view = table(rows, {
    testid: opts.testid,
    rowTestid: opts.testid === 'errored-table' ? 'errored-row' : 'deposit-row',
    first: columns,
    headers: DEPOSIT_HEADERS,
    searchText: depositSearchText,
    rowClass: (r) => (str(r, 'error') !== '' ? 'row-alert' : ''),
    cell: (key, r) => {
      const full = sorted.find((d) => d.deposit_id === r.deposit_id) ?? r;
      switch (key) {
        case 'updated_at':
          return time(num(full, key));
        case 'status':
          // An errored deposit stays at the status where it stopped: say both.
          return h(
            'span',
            { class: 'status-cell' },
            badge(str(r, key)),
            str(r, 'error') === '' ? null : h('span', { class: 'flag-errored' }, 'errored'),
          );
        case 'amount':
          return h(
            'span',
            { class: 'amount-cell' },
            h('span', null, baseUnits(full.deposit_value, str(full, 'coin_type'))),
            h('span', { class: 'muted' }, `→ ${baseUnits(full.sky_sent, opts.payoutCoin, payoutDecimals)}`),
          );
        case 'sky_address':
        case 'deposit_address':
        case 'deposit_id':
        case 'txid':
          return code(str(r, key), 5);
        case 'error':
          return str(r, key) === '' ? '—' : h('span', { class: 'error-text' }, str(r, key));
        case 'record':
          return toggle(str(r, 'deposit_id'));
        default:
          return value(r[key]);
      }
    },
    extra: opts.action,
  });
  const opened = columns.includes('record') ? sorted.filter((d) => opts.open.has(str(d, 'deposit_id'))) : [];
  return h(
    'div',
    null,
    view,
    opened.map((d) =>
      h(
        'div',
        { class: 'record-view', testid: 'record-view' },
        h('h3', null, `Record of ${str(d, 'deposit_id')}`),
        h('pre', null, JSON.stringify(d, null, 2)),
      ),
    ),
  );
}

export function addresses(data: unknown): HTMLElement {
  const o = obj(data);
  const rows = Object.keys(o).map((coin) => {
    const c = obj(o[coin]);
    const list = arr(c, 'scanning_addresses').map(String);
    return {
      coin,
      ...c,
      scanning_addresses: list.length === 0 ? [] : [`${list.length} addresses`],
    };
  });
  if (rows.length === 0) return empty('No coins.');
  return table(rows, {
    testid: 'addresses-table',
    first: [
      'coin',
      'address_manager_enabled',
      'scanning_enabled',
      'remaining_addresses',
      'scanning_addresses',
    ],
    rowClass: (r) =>
      bool(r, 'address_manager_enabled') && num(r, 'remaining_addresses') === 0 ? 'row-alert' : '',
  });
}
