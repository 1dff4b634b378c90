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
const CHART_W = 240;
const CHART_H = 48;

function svg(tag: string, attrs: Record<string, string>): SVGElement {
  const el = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, v);
  return el;
}

/** A polyline of [unix seconds, rate] points scaled into the box (floats: a picture, not money). */
export function rateChart(points: [number, number][], testid: string): SVGElement {
  const chart = svg('svg', {
    viewBox: `0 0 ${CHART_W} ${CHART_H}`,
    width: String(CHART_W),
    height: String(CHART_H),
    class: 'rate-chart',
    role: 'img',
    'data-testid': testid,
  });
  if (points.length === 0) return chart;
  const ts = points.map((p) => p[0]);
  const vs = points.map((p) => p[1]);
  const [t0, t1] = [Math.min(...ts), Math.max(...ts)];
  const [v0, v1] = [Math.min(...vs), Math.max(...vs)];
  const x = (t: number) => (t1 === t0 ? CHART_W : ((t - t0) / (t1 - t0)) * (CHART_W - 4) + 2);
  const y = (v: number) => (v1 === v0 ? CHART_H / 2 : CHART_H - 2 - ((v - v0) / (v1 - v0)) * (CHART_H - 4));
  const title = svg('title', {});
  title.textContent = `${points.length} prices, ${v0} to ${v1}`;
  chart.append(
    title,
    svg('polyline', {
      points: points.map(([t, v]) => `${x(t).toFixed(1)},${y(v).toFixed(1)}`).join(' '),
      fill: 'none',
      stroke: 'currentColor',
      'stroke-width': '1.5',
    }),
  );
  return chart;
}

const row = (label: string, text: string, testid?: string, tone = ''): HTMLElement =>
  h('div', { class: 'kv-row' }, h('dt', null, label), h('dd', { testid, class: tone }, text));

function chartCaption(points: [number, number][]): string {
  if (points.length === 0) return 'No market price yet.';
  const vs = points.map((p) => p[1]);
  const since = time(points[0][0]);
  return `Rate, last ${points.length} prices since ${since}: ${Math.min(...vs)} to ${Math.max(...vs)}`;
}

function marketRow(m: JsonObject): HTMLElement {
  const coin = str(m, 'coin');
  const guard = str(m, 'guard');
  const history = arr(m, 'history').map((p): [number, number] => {
    const pair = Array.isArray(p) ? p : [];
    return [Number(pair[0] ?? 0), Number(pair[1] ?? 0)];
  });
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
    rateChart(history, `market-${coin}-chart`),
    h('p', { class: 'muted chart-caption' }, chartCaption(history)),
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
