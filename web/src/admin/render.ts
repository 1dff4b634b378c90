import { h, type Child, type Children } from '../shared/dom';
import { isObject, type JsonObject } from '../shared/json';
import { label } from './format';

/** Any JSON value as DOM: objects as definition lists, arrays of objects as tables. */
export function value(v: unknown): Child {
  if (v === null || v === undefined) return '—';
  if (typeof v === 'boolean') return h('span', { class: v ? 'yes' : 'no' }, v ? 'yes' : 'no');
  if (typeof v !== 'object') return String(v) === '' ? '—' : String(v);
  if (Array.isArray(v)) {
    if (v.length === 0) return h('span', { class: 'muted' }, 'none');
    if (v.every(isObject)) return table(v);
    return v.map(String).join(', ');
  }
  return kv(v as JsonObject);
}

export function kv(o: JsonObject, testid?: string): HTMLElement {
  const keys = Object.keys(o);
  if (keys.length === 0) return h('span', { class: 'muted' }, 'none');
  return h(
    'dl',
    { class: 'kv', testid },
    keys.map((k) => h('div', { class: 'kv-row' }, h('dt', null, label(k)), h('dd', null, value(o[k])))),
  );
}

/** Union of the rows' keys, `first` ones in front. */
export function columns(rows: JsonObject[], first: string[] = [], omit: string[] = []): string[] {
  const seen = new Set(first.filter((k) => rows.some((r) => k in r)));
  for (const r of rows) for (const k of Object.keys(r)) seen.add(k);
  return [...seen].filter((k) => !omit.includes(k));
}

export interface TableOptions {
  testid?: string;
  rowTestid?: string;
  first?: string[];
  omit?: string[];
  cell?: (key: string, row: JsonObject) => Child | undefined;
  rowClass?: (row: JsonObject) => string;
  /** One more column computed from the row; `leading` puts it first (actions). */
  extra?: { header: string; cell: (row: JsonObject) => Child; leading?: boolean };
  /** Column headers other than the key's label. */
  headers?: Record<string, string>;
  /** Text a search matches against, kept on the row (`data-search`). */
  searchText?: (row: JsonObject) => string;
}

export function table(rows: JsonObject[], opts: TableOptions = {}): HTMLElement {
  const cols = columns(rows, opts.first, opts.omit);
  const extra = opts.extra;
  const head = extra === undefined ? null : h('th', null, extra.header);
  const extraCell = (r: JsonObject): HTMLElement | null =>
    extra === undefined ? null : h('td', { class: 'extra' }, extra.cell(r));
  return h(
    'div',
    { class: 'table-wrap' },
    h(
      'table',
      { testid: opts.testid },
      h(
        'thead',
        null,
        h(
          'tr',
          null,
          extra?.leading === true ? head : null,
          cols.map((c) => h('th', null, opts.headers?.[c] ?? label(c))),
          extra?.leading === true ? null : head,
        ),
      ),
      h(
        'tbody',
        null,
        rows.map((r) =>
          h(
            'tr',
            {
              class: opts.rowClass?.(r),
              testid: opts.rowTestid,
              attrs: opts.searchText === undefined ? undefined : { 'data-search': opts.searchText(r) },
            },
            extra?.leading === true ? extraCell(r) : null,
            cols.map((c) => h('td', { attrs: { 'data-col': c } }, opts.cell?.(c, r) ?? value(r[c]))),
            extra?.leading === true ? null : extraCell(r),
          ),
        ),
      ),
    ),
  );
}

export function section(title: string, testid: string, ...body: Children[]): HTMLElement {
  return h('section', { class: 'panel', testid }, h('h2', null, title), ...body);
}

export const empty = (text: string): HTMLElement => h('p', { class: 'muted empty' }, text);

export const failure = (text: string): HTMLElement =>
  h('p', { class: 'message message-error', attrs: { role: 'alert' } }, text);
