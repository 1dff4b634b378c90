import { compareDec, formatDec, inverse, mul, parseDec, truncate } from '../shared/decimal';
import { fill, h } from '../shared/dom';
import type { DepositCoin, Health, PublicConfig } from './api';
import type { Ctx } from './context';
import { LANGS } from './i18n';

/** Step 1: the deposit coin, its rate both ways, the terms, and a payout estimate. */
export class MarketCard {
  readonly el: HTMLElement;
  private readonly title = h('h2', { class: 'card-title' });
  private readonly coinLabel = h('label', { attrs: { for: 'coin-select' } });
  private readonly select = h('select', { testid: 'coin-select', attrs: { id: 'coin-select' } });
  private readonly rate = h('div', { class: 'rate' });
  private readonly facts = h('dl', { class: 'facts' });
  private readonly calcLabel = h('label', { attrs: { for: 'calc-amount' } });
  private readonly calcInput = h('input', {
    testid: 'calc-amount',
    attrs: {
      id: 'calc-amount',
      type: 'text',
      inputmode: 'decimal',
      autocomplete: 'off',
      placeholder: '0.01',
    },
  });
  private readonly calcUnit = h('span', { class: 'calc-unit' });
  private readonly calcResult = h('div', { class: 'calc-result' });
  private readonly calcWarning = h('p', {
    class: 'message message-warn calc-warning',
    testid: 'calc-warning',
    attrs: { role: 'status', hidden: true },
  });
  private readonly calcNote = h('p', { class: 'note' });
  private ctx?: Ctx;
  private coin?: DepositCoin;
  private config?: PublicConfig;
  private health?: Health;

  constructor(onCoin: (key: string) => void) {
    this.select.addEventListener('change', () => onCoin(this.select.value));
    this.calcInput.addEventListener('input', () => this.renderEstimate());
    this.el = h(
      'section',
      { class: 'card', testid: 'market-card' },
      h('div', { class: 'card-head' }, h('span', { class: 'step' }, '1'), this.title),
      h('div', { class: 'field' }, this.coinLabel, h('div', { class: 'select-wrap' }, this.select)),
      this.rate,
      this.facts,
      h(
        'div',
        { class: 'calc' },
        h(
          'div',
          { class: 'calc-row' },
          this.calcLabel,
          h('div', { class: 'calc-input' }, this.calcInput, this.calcUnit),
        ),
        this.calcResult,
        this.calcWarning,
        this.calcNote,
      ),
    );
  }

  update(
    ctx: Ctx,
    config: PublicConfig | undefined,
    health: Health | undefined,
    coinKey: string | undefined,
  ): void {
    this.ctx = ctx;
    this.config = config;
    this.health = health;
    const t = ctx.t;
    const payout = config?.payoutCoin ?? 'SKY';
    this.title.textContent = t('step.rate');
    this.coinLabel.textContent = t('coin.label');
    this.calcLabel.textContent = t('calc.label');
    const coins = config?.coins.filter((c) => c.enabled) ?? [];
    this.coin = coins.find((c) => c.key === coinKey) ?? coins[0];
    this.renderSelect(coins);
    this.calcUnit.textContent = this.coin?.coinType ?? '';
    this.calcNote.textContent = config === undefined ? '' : t('calc.note', { n: config.maxDecimals });
    this.renderRate(ctx, payout);
    this.renderFacts(ctx, config, health, payout);
    this.renderEstimate();
  }

  private renderSelect(coins: DepositCoin[]): void {
    const current = [...this.select.options].map((o) => o.value).join();
    if (current !== coins.map((c) => c.key).join()) {
      fill(
        this.select,
        coins.map((c) => h('option', { attrs: { value: c.key } }, c.coinType)),
      );
    }
    this.select.disabled = coins.length === 0;
    if (this.coin !== undefined) this.select.value = this.coin.key;
  }

  private renderRate(ctx: Ctx, payout: string): void {
    const coin = this.coin;
    const rate = coin === undefined ? null : parseDec(coin.rate);
    if (coin === undefined || rate === null) {
      fill(
        this.rate,
        h('div', { class: 'rate-label' }, ctx.t('rate.label')),
        h('div', { class: 'rate-main' }, '—'),
      );
      return;
    }
    const inv = inverse(rate);
    const fmt = LANGS[ctx.lang].number;
    const live = coin.rateSource !== 'config' && coin.rateUpdatedAt > 0;
    fill(
      this.rate,
      h('div', { class: 'rate-label' }, ctx.t('rate.label')),
      h(
        'div',
        { class: 'rate-main', testid: 'rate-forward' },
        `1 ${coin.coinType} = ${formatDec(rate, fmt)} ${payout}`,
      ),
      inv === null
        ? null
        : h(
            'div',
            { class: 'rate-inverse', testid: 'rate-inverse' },
            `1 ${payout} = ${formatDec(inv, fmt)} ${coin.coinType}`,
          ),
      live
        ? h(
            'time',
            { class: 'rate-updated', testid: 'rate-updated' },
            ctx.t('rate.updated', { time: ctx.time(coin.rateUpdatedAt) }),
          )
        : null,
      coin.rateSource === 'market'
        ? h('p', { class: 'note', testid: 'rate-market' }, ctx.t('rate.market'))
        : null,
      coin.ratePaused === ''
        ? null
        : h(
            'p',
            { class: 'message message-warn', testid: 'rate-paused', attrs: { role: 'status' } },
            ctx.t('rate.paused', { coin: coin.coinType, reason: coin.ratePaused }),
          ),
    );
  }

  private renderFacts(
    ctx: Ctx,
    config: PublicConfig | undefined,
    health: Health | undefined,
    payout: string,
  ): void {
    const t = ctx.t;
    const unknown = t('fact.unknown');
    const fact = (label: string, value: string, testid: string): HTMLElement =>
      h('div', { class: 'fact' }, h('dt', null, label), h('dd', { testid }, value));
    const coin = this.coin;
    const inventory =
      health === undefined || health.balance === '' ? unknown : `${ctx.amount(health.balance)} ${payout}`;
    const rows = [
      fact(t('fact.inventory'), inventory, 'inventory'),
      fact(
        t('fact.confirmations'),
        coin === undefined ? unknown : String(coin.confirmationsRequired),
        'confirmations-required',
      ),
      fact(
        t('fact.precision'),
        config === undefined ? unknown : t('fact.precision.value', { n: config.maxDecimals }),
        'payout-precision',
      ),
      fact(
        t('fact.limit'),
        config === undefined
          ? unknown
          : config.maxBoundAddrs <= 0
            ? t('fact.limit.unlimited')
            : String(config.maxBoundAddrs),
        'bind-limit',
      ),
    ];
    // The minimum volume only applies when buying on an exchange; teller reports it even in direct mode.
    const min = coin === undefined ? null : parseDec(coin.passthroughMinimumVolume);
    if (config?.buyMethod === 'passthrough' && coin !== undefined && min !== null && min.int > 0n) {
      rows.push(
        fact(
          t('fact.minVolume'),
          `${ctx.amount(coin.passthroughMinimumVolume)} ${coin.coinType}`,
          'min-volume',
        ),
      );
    }
    fill(this.facts, rows);
  }

  private renderEstimate(): void {
    const ctx = this.ctx;
    if (ctx === undefined) return;
    const payout = this.config?.payoutCoin ?? 'SKY';
    const raw = this.calcInput.value.trim().replace(',', '.');
    const amount = raw === '' ? null : parseDec(raw);
    const rate = this.coin === undefined ? null : parseDec(this.coin.rate);
    let value = '—';
    let warning = '';
    if (raw !== '' && (amount === null || amount.int < 0n)) value = ctx.t('calc.invalid');
    else if (amount !== null && rate !== null && this.config !== undefined) {
      const out = truncate(mul(amount, rate), this.config.maxDecimals);
      value = `${formatDec(out, LANGS[ctx.lang].number)} ${payout}`;
      // More than the hot wallet holds now: the payout would wait (sold out) until a refill.
      const available = this.health === undefined ? null : parseDec(this.health.balance);
      if (available !== null && compareDec(out, available) > 0) {
        warning = ctx.t('calc.overAvailable', { available: ctx.amount(this.health?.balance ?? ''), payout });
      }
    }
    this.calcWarning.textContent = warning;
    this.calcWarning.hidden = warning === '';
    fill(
      this.calcResult,
      h('span', null, ctx.t('calc.result')),
      h('strong', { testid: 'calc-result' }, value),
    );
  }
}
