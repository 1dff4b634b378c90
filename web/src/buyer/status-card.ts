import { fill, h } from '../shared/dom';
import type { DepositStatus } from './api';
import type { Ctx, Problem } from './context';
import { PLACEHOLDER, problemText, withNode } from './context';
import type { MessageKey } from './i18n';

export interface StatusCardState {
  payoutCoin: string;
  /** The receive address being followed; nothing is shown without one. */
  watched?: string;
  statuses?: DepositStatus[];
  error?: Problem;
  paused: boolean;
  /** The service cannot pay right now: a queued payout waits for the operator to refill. */
  soldOut: boolean;
}

const STATES = [
  'waiting_deposit',
  'waiting_decide',
  'waiting_send',
  'waiting_confirm',
  'waiting_passthrough',
  'waiting_passthrough_order_complete',
  'done',
] as const;
type State = (typeof STATES)[number];
const isState = (s: string): s is State => (STATES as readonly string[]).includes(s);

/** Tone of the badge: neutral while waiting for the buyer, progress while we work, success, error. */
function tone(d: DepositStatus): string {
  if (d.error !== '') return 'delayed';
  if (d.status === 'done') return 'done';
  if (d.status === 'waiting_deposit') return 'waiting';
  return 'progress';
}

/** Step 3: every deposit of the watched receive address, refreshed live. */
export class StatusCard {
  readonly el: HTMLElement;
  private readonly title = h('h2', { class: 'card-title' });
  private readonly sub = h('p', { class: 'status-for' });
  private readonly live = h('span', { class: 'live', testid: 'status-live' });
  private readonly body = h('div', { class: 'status-body' });

  constructor(readonly deposit: HTMLElement) {
    this.el = h(
      'section',
      { class: 'card card-wide', testid: 'status-card', attrs: { hidden: true } },
      h('div', { class: 'card-head' }, h('span', { class: 'step' }, '3'), this.title, this.live),
      deposit,
      this.sub,
      this.body,
    );
  }

  update(ctx: Ctx, s: StatusCardState, hasDeposit: boolean): void {
    const t = ctx.t;
    this.el.hidden = s.watched === undefined && !hasDeposit;
    this.title.textContent = t('step.track');
    this.live.textContent = s.paused ? t('status.paused') : t('status.live');
    this.live.classList.toggle('paused', s.paused);
    this.live.hidden = s.watched === undefined;
    if (s.watched === undefined) {
      this.sub.textContent = '';
      this.body.replaceChildren();
      return;
    }
    fill(this.sub, withNode(t('status.for', { address: PLACEHOLDER }), h('code', null, s.watched)));
    const rows: (HTMLElement | null)[] = [
      s.error === undefined
        ? null
        : h(
            'div',
            { class: 'message message-error', testid: 'status-error-message', attrs: { role: 'alert' } },
            problemText(ctx, s.error),
          ),
    ];
    if (s.statuses !== undefined && s.statuses.length === 0) {
      rows.push(h('p', { class: 'status-empty', testid: 'status-empty' }, t('status.empty')));
    } else if (s.statuses !== undefined) {
      rows.push(
        h(
          'ol',
          { class: 'status-list', testid: 'status-list' },
          // The server lists oldest first; the buyer looks for the newest.
          [...s.statuses].reverse().map((d) => this.row(ctx, d, s.payoutCoin, s.soldOut)),
        ),
      );
    }
    fill(this.body, rows);
  }

  private row(ctx: Ctx, d: DepositStatus, defaultPayout: string, soldOut: boolean): HTMLElement {
    const t = ctx.t;
    const payout = d.payoutCoin === '' ? defaultPayout : d.payoutCoin;
    const vars = { coin: d.coinType, payout };
    const state = isState(d.status) ? d.status : undefined;
    const errored = d.error !== '';
    const waitsForStock = !errored && soldOut && state === 'waiting_send';
    // An errored deposit's status says where it stopped (often "sent"), not what the buyer gets:
    // the buyer is told the payout is delayed and the operator alerted, never the internal error.
    const stateKey: MessageKey = errored
      ? 'state.error'
      : waitsForStock
        ? 'state.soldOut'
        : state === undefined
          ? 'state.unknown'
          : `state.${state}`;
    const msgKey: MessageKey = errored
      ? 'msg.error'
      : waitsForStock
        ? 'msg.soldOut'
        : state === undefined
          ? 'msg.unknown'
          : `msg.${state}`;
    const details: HTMLElement[] = [];
    const detail = (label: string, value: Node | string, testid: string, cls = ''): void => {
      details.push(h('div', { class: `detail ${cls}` }, h('dt', null, label), h('dd', { testid }, value)));
    };
    if (d.depositValue !== '')
      detail(t('status.deposit'), `${ctx.amount(d.depositValue)} ${d.coinType}`, 'deposit-amount');
    if (d.confirmationsRequired > 0 && (d.depositValue !== '' || d.confirmations > 0)) {
      const n = Math.min(d.confirmations, d.confirmationsRequired);
      detail(
        t('status.confirmations'),
        h(
          'span',
          { class: 'confirmations' },
          h('progress', {
            class: 'bar',
            testid: 'confirmations-bar',
            attrs: { max: Math.max(d.confirmationsRequired, 1), value: n },
          }),
          h(
            'span',
            { testid: 'confirmations' },
            t('status.confirmations.value', { n: d.confirmations, total: d.confirmationsRequired }),
          ),
        ),
        'confirmations-detail',
      );
    }
    if (d.depositValue !== '' || d.payoutValue !== '') {
      const amount = d.payoutValue === '' ? '' : `${ctx.amount(d.payoutValue)} ${payout}`;
      detail(
        t('status.payout'),
        amount === '' ? t('status.payoutPending') : errored ? t('status.payoutDelayed', { amount }) : amount,
        'payout-amount',
        amount === '' || errored ? 'pending' : 'strong',
      );
    }
    if (d.payoutTxid !== '' && !errored)
      detail(t('status.txid'), h('code', { class: 'txid' }, d.payoutTxid), 'payout-txid', 'wide');
    if (d.depositAddress !== '')
      detail(t('status.depositAddress'), h('code', null, d.depositAddress), 'status-deposit-address', 'wide');
    return h(
      'li',
      { class: `status-row tone-${tone(d)}`, testid: 'status-row', attrs: { 'data-status': d.status } },
      h(
        'div',
        { class: 'status-top' },
        h('span', { class: 'coin-tag' }, d.coinType),
        h('span', { class: `badge tone-${tone(d)}`, testid: 'status-state' }, t(stateKey, vars)),
        d.updatedAt > 0
          ? h('time', { class: 'updated' }, t('status.updated', { time: ctx.time(d.updatedAt) }))
          : null,
      ),
      h('p', { class: 'status-message', testid: 'status-message' }, t(msgKey, vars)),
      errored
        ? h('div', { class: 'message message-warn', testid: 'status-error' }, t('status.errorHelp'))
        : null,
      details.length === 0 ? null : h('dl', { class: 'details' }, details),
    );
  }
}
