import QRCode from 'qrcode';
import { fill, h } from '../shared/dom';
import type { BindResult } from './api';
import { copyText, selectContents } from './clipboard';
import { PLACEHOLDER, withNode, type Ctx } from './context';

export interface DepositView extends BindResult {
  payoutAddress: string;
  payoutCoin: string;
  rate: string;
  confirmations: number;
}

/**
 * The payment URI in the QR code. Tokens get the bare address: an `ethereum:` URI without the
 * token contract would make wallets prefill an ETH transfer.
 */
export function paymentUri(coinType: string, address: string): string {
  if (coinType === 'BTC') return `bitcoin:${address}`;
  if (coinType === 'ETH') return `ethereum:${address}`;
  if (coinType === 'SKY') return `skycoin:${address}`;
  return address;
}

const COPY_FEEDBACK_MS = 2000;

/** The deposit address just issued: QR code, the address, and a copy button. */
export class DepositCard {
  readonly el: HTMLElement;
  private readonly title = h('h3', { class: 'deposit-title' });
  private readonly qr = h('img', { class: 'qr', testid: 'deposit-qr', attrs: { width: 200, height: 200 } });
  private readonly address = h('code', { class: 'deposit-address', testid: 'deposit-address' });
  private readonly copyButton = h('button', {
    class: 'btn btn-secondary btn-copy',
    testid: 'copy-button',
    attrs: { type: 'button' },
  });
  private readonly copyFeedback = h('span', {
    class: 'copy-feedback',
    testid: 'copy-feedback',
    attrs: { 'aria-live': 'polite' },
  });
  private readonly text = h('div', { class: 'deposit-text' });
  private view?: DepositView;
  private ctx?: Ctx;
  private feedbackTimer: ReturnType<typeof setTimeout> | undefined;

  constructor() {
    this.copyButton.addEventListener('click', () => void this.copy());
    this.el = h(
      'div',
      { class: 'deposit', testid: 'deposit-card', attrs: { hidden: true } },
      h('div', { class: 'qr-box' }, this.qr),
      h(
        'div',
        { class: 'deposit-body' },
        this.title,
        h('div', { class: 'address-box' }, this.address),
        h('div', { class: 'copy-row' }, this.copyButton, this.copyFeedback),
        this.text,
      ),
    );
  }

  async show(view: DepositView): Promise<void> {
    this.view = view;
    this.el.hidden = false;
    this.address.textContent = view.depositAddress;
    this.copyFeedback.textContent = '';
    this.qr.src = await QRCode.toDataURL(paymentUri(view.coinType, view.depositAddress), {
      errorCorrectionLevel: 'M',
      margin: 1,
      width: 400,
      color: { dark: '#0b1b33', light: '#ffffff' },
    });
    this.qr.dataset.uri = paymentUri(view.coinType, view.depositAddress);
  }

  hide(): void {
    this.view = undefined;
    this.el.hidden = true;
  }

  update(ctx: Ctx): void {
    this.ctx = ctx;
    const v = this.view;
    if (v === undefined) return;
    const t = ctx.t;
    const vars = { coin: v.coinType, payout: v.payoutCoin, rate: ctx.amount(v.rate), n: v.confirmations };
    this.title.textContent = t('deposit.title', vars);
    this.qr.alt = t('deposit.qr');
    this.copyButton.textContent = t('deposit.copy');
    const after = t(v.confirmations > 0 ? 'deposit.after' : 'deposit.afterNoConf', {
      ...vars,
      address: PLACEHOLDER,
    });
    fill(
      this.text,
      h('p', { class: 'deposit-send' }, t('deposit.send', vars)),
      h('p', null, withNode(after, h('code', { class: 'inline-address' }, v.payoutAddress))),
      h('p', { class: 'note' }, t('deposit.new')),
    );
  }

  private async copy(): Promise<void> {
    const v = this.view;
    const ctx = this.ctx;
    if (v === undefined || ctx === undefined) return;
    const ok = await copyText(v.depositAddress);
    if (!ok) selectContents(this.address);
    this.copyFeedback.textContent = ctx.t(ok ? 'deposit.copied' : 'deposit.copyManual');
    this.copyFeedback.dataset.result = ok ? 'copied' : 'manual';
    if (this.feedbackTimer !== undefined) clearTimeout(this.feedbackTimer);
    this.feedbackTimer = setTimeout(() => {
      this.copyFeedback.textContent = '';
    }, COPY_FEEDBACK_MS);
  }
}
