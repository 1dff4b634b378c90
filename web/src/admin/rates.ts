import { h } from '../shared/dom';
import { arr, num, obj, str, type JsonObject } from '../shared/json';
import { time } from './format';
import { empty, table } from './render';

/**
 * The rates panel (issue 20), from GET /api/rates: each coin's rate and where it comes from; for
 * market coins their sources, last price, spread, guard state, each source's last quote, and a
 * small chart of recent rates (inline SVG).
 */

const SVG = 'http://www.w3.org/2000/svg';
const CHART_W = 360;
const CHART_H = 96;
/** Room for the min/max labels on the left and the time labels below. */
const PAD = { left: 64, right: 6, top: 8, bottom: 18 };

function svg(tag: string, attrs: Record<string, string>, text?: string): SVGElement {
  const el = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, v);
  if (text !== undefined) el.textContent = text;
  return el;
}

/**
 * A step line of the rate's changes ([unix seconds, rate], oldest first), each held until the next
 * and the last until `until` (the last good price), time on the x axis, the lowest and highest rate
 * labelled (floats: a picture, not money; the labels are the server's strings).
 */
export function rateChart(changes: [number, string][], until: number, testid: string): SVGElement {
  const chart = svg('svg', {
    viewBox: `0 0 ${CHART_W} ${CHART_H}`,
    width: String(CHART_W),
    height: String(CHART_H),
    class: 'rate-chart',
    role: 'img',
    'data-testid': testid,
  });
  if (changes.length === 0) return chart;
  const t0 = changes[0][0];
  const t1 = Math.max(until, changes[changes.length - 1][0]);
  const vs = changes.map((c) => Number(c[1]));
  const [v0, v1] = [Math.min(...vs), Math.max(...vs)];
  const low = changes[vs.indexOf(v0)][1];
  const high = changes[vs.indexOf(v1)][1];
  const [x0, x1] = [PAD.left, CHART_W - PAD.right];
  const [yTop, yBottom] = [PAD.top, CHART_H - PAD.bottom];
  const x = (t: number) => (t1 === t0 ? x1 : x0 + ((t - t0) / (t1 - t0)) * (x1 - x0));
  const y = (v: number) =>
    v1 === v0 ? (yTop + yBottom) / 2 : yBottom - ((v - v0) / (v1 - v0)) * (yBottom - yTop);
  const steps: string[] = [];
  changes.forEach(([t], i) => {
    const next = i + 1 < changes.length ? changes[i + 1][0] : t1;
    const yi = y(vs[i]).toFixed(1);
    steps.push(`${x(t).toFixed(1)},${yi}`, `${x(next).toFixed(1)},${yi}`);
  });
  const label = (text: string, xAt: number, yAt: number, anchor: string, testid: string) =>
    svg(
      'text',
      { x: String(xAt), y: String(yAt), 'text-anchor': anchor, class: 'chart-label', 'data-testid': testid },
      text,
    );
  chart.append(
    svg('title', {}, `${changes.length} rate changes, ${low} to ${high}`),
    svg('line', {
      x1: String(x0),
      y1: String(yBottom),
      x2: String(x1),
      y2: String(yBottom),
      class: 'chart-axis',
    }),
    svg('line', {
      x1: String(x0),
      y1: String(yTop),
      x2: String(x0),
      y2: String(yBottom),
      class: 'chart-axis',
    }),
    label(high, x0 - 4, yTop + 4, 'end', `${testid}-max`),
    label(low, x0 - 4, yBottom, 'end', `${testid}-min`),
    label(time(t0).slice(11), x0, CHART_H - 4, 'start', `${testid}-from`),
    label(time(t1).slice(11), x1, CHART_H - 4, 'end', `${testid}-to`),
    svg('polyline', { points: steps.join(' '), fill: 'none', stroke: 'currentColor', 'stroke-width': '1.5' }),
  );
  return chart;
}

const row = (label: string, text: string, testid?: string, tone = ''): HTMLElement =>
  h('div', { class: 'kv-row' }, h('dt', null, label), h('dd', { testid, class: tone }, text));

function chartCaption(changes: [number, string][], until: number): string {
  if (changes.length === 0) return 'No market price yet.';
  if (changes.length === 1) return `The rate has not changed since ${time(changes[0][0])}: ${changes[0][1]}.`;
  return `Rate, last ${changes.length} changes, ${time(changes[0][0])} to ${time(until)}.`;
}

function marketRow(m: JsonObject): HTMLElement {
  const coin = str(m, 'coin');
  const guard = str(m, 'guard');
  const history = arr(m, 'history').map((p): [number, string] => {
    const pair: unknown[] = Array.isArray(p) ? p : [];
    return [Number(pair[0] ?? 0), String(pair[1] ?? '')];
  });
  const until = num(m, 'updated_at');
  const quotes = arr(m, 'quotes').map((q) => {
    const o = obj(q);
    return o.error
      ? `${str(o, 'source')}: ${str(o, 'error')}`
      : `${str(o, 'source')} ${str(o, 'price')} (${num(o, 'age_seconds')} s)`;
  });
  return h(
    'div',
    { class: 'market', testid: `market-${coin}` },
    h('h3', null, `${coin} · market`),
    h(
      'dl',
      { class: 'kv' },
      row('Sources', arr(m, 'sources').map(String).join(', ')),
      row('Last price', str(m, 'last_price') || '—', `market-${coin}-price`),
      row('Spread', `${str(m, 'spread_percent')} %`),
      row('Rate', str(m, 'rate'), `market-${coin}-rate`),
      row(
        'Guard',
        guard === 'ok' ? 'ok' : `${guard}: ${str(m, 'paused')}`,
        `market-${coin}-guard`,
        guard === 'ok' ? 'ok' : 'warn',
      ),
      row('Quotes', quotes.join(' · ') || '—'),
    ),
    history.length > 1 ? rateChart(history, until, `market-${coin}-chart`) : null,
    h(
      'p',
      { class: 'muted chart-caption', testid: `market-${coin}-chart-caption` },
      chartCaption(history, until),
    ),
  );
}

export function ratesPanel(data: unknown): HTMLElement {
  const o = obj(data);
  const rates = arr(o, 'rates').map(obj);
  if (rates.length === 0) return empty('No deposit coins.');
  return h(
    'div',
    null,
    table(
      rates.map((r) => ({
        coin: str(r, 'coin'),
        rate: str(r, 'rate'),
        source: str(r, 'source'),
        config_rate: str(r, 'config_rate'),
        updated: time(num(r, 'updated_at')),
        paused: str(r, 'paused'),
      })),
      { testid: 'rates-table' },
    ),
    ...arr(o, 'market').map((m) => marketRow(obj(m))),
  );
}
