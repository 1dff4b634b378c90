import { fill, h } from '../shared/dom';
import type { Ctx, Problem } from './context';
import { problemText } from './context';
import type { MessageKey, Vars } from './i18n';

export interface BindCardState {
  payoutCoin: string;
  coinType: string;
  /** Binding allowed (open, not sold out, a coin to deposit). */
  canBind: boolean;
  binding: boolean;
  /** The inline address error, a translated reason. */
  addressError?: { key: MessageKey; vars?: Vars };
  message?: Problem;
}

/** Step 2: the receive address and the buttons that bind it or look up its deposits. */
export class BindCard {
  readonly el: HTMLElement;
  readonly input = h('input', {
    testid: 'address-input',
    attrs: {
      id: 'receive-address',
      type: 'text',
      autocomplete: 'off',
      autocapitalize: 'off',
      spellcheck: 'false',
      'aria-describedby': 'address-hint address-error',
    },
  });
  private readonly title = h('h2', { class: 'card-title' });
  private readonly label = h('label', { attrs: { for: 'receive-address' } });
  private readonly hint = h('p', { class: 'hint', attrs: { id: 'address-hint' } });
  private readonly error = h('p', {
    class: 'field-error',
    testid: 'address-error',
    attrs: { id: 'address-error', role: 'alert', hidden: true },
  });
  private readonly bindButton = h('button', {
    class: 'btn btn-primary',
    testid: 'bind-button',
    attrs: { type: 'submit' },
  });
  private readonly statusButton = h('button', {
    class: 'btn btn-secondary',
    testid: 'status-button',
    attrs: { type: 'button' },
  });
  private readonly message = h('div', {
    class: 'message message-error',
    testid: 'bind-message',
    attrs: { role: 'alert', hidden: true },
  });
  private readonly how = h('div', { class: 'how', testid: 'how-it-works' });
  private readonly disabledNote = h('p', { class: 'hint', testid: 'bind-disabled', attrs: { hidden: true } });

  constructor(onBind: (address: string) => void, onCheck: (address: string) => void, onEdit: () => void) {
    const form = h(
      'form',
      { class: 'bind-form', attrs: { novalidate: true } },
      h('div', { class: 'field' }, this.label, this.input, this.error, this.hint),
      h('div', { class: 'actions' }, this.bindButton, this.statusButton),
      this.disabledNote,
      this.message,
    );
    form.addEventListener('submit', (ev) => {
      ev.preventDefault();
      onBind(this.input.value.trim());
    });
    this.statusButton.addEventListener('click', () => onCheck(this.input.value.trim()));
    this.input.addEventListener('input', onEdit);
    this.el = h(
      'section',
      { class: 'card', testid: 'bind-card' },
      h('div', { class: 'card-head' }, h('span', { class: 'step' }, '2'), this.title),
      form,
      this.how,
    );
  }

  update(ctx: Ctx, s: BindCardState): void {
    const t = ctx.t;
    const vars = { payout: s.payoutCoin, coin: s.coinType };
    this.title.textContent = t('step.address');
    this.label.textContent = t('address.label', vars);
    this.hint.textContent = t('address.hint', vars);
    this.input.placeholder = t(
      s.payoutCoin === 'SKY' ? 'address.placeholder.sky' : 'address.placeholder.evm',
    );
    this.bindButton.textContent = s.binding ? t('bind.busy') : t('bind.button', vars);
    this.bindButton.disabled = s.binding || !s.canBind;
    this.statusButton.textContent = t('status.button');
    this.disabledNote.hidden = s.canBind;
    this.disabledNote.textContent = t('bind.disabled');

    fill(
      this.how,
      h('h3', null, t('how.title')),
      h(
        'ol',
        null,
        h('li', null, t('how.1', vars)),
        h('li', null, t('how.2', vars)),
        h('li', null, t('how.3', vars)),
      ),
      h('p', { class: 'note' }, t('how.note')),
    );

    this.error.hidden = s.addressError === undefined;
    this.error.textContent =
      s.addressError === undefined ? '' : t(s.addressError.key, { ...vars, ...s.addressError.vars });
    this.input.setAttribute('aria-invalid', String(s.addressError !== undefined));
    this.input.classList.toggle('invalid', s.addressError !== undefined);

    this.message.hidden = s.message === undefined;
    fill(this.message, s.message === undefined ? '' : problemText(ctx, s.message));
  }
}
