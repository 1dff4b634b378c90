import { ApiError, NetworkError } from '../shared/http';
import { h } from '../shared/dom';
import { Poller } from '../shared/poller';
import { load, save } from '../shared/storage';
import { payoutAddressProblem } from './address';
import {
  bind,
  fetchConfig,
  fetchHealth,
  StatusClient,
  type DepositStatus,
  type Health,
  type PublicConfig,
} from './api';
import { BindCard, type BindCardState } from './bind-card';
import { makeCtx, type Ctx, type Problem } from './context';
import { DepositCard, type DepositView } from './deposit-card';
import { isLang, langFromPath, LANGS, type Lang, type MessageKey } from './i18n';
import { Banner, Header, LangNav, type Availability } from './layout';
import { MarketCard } from './market-card';
import { StatusCard } from './status-card';

const STATUS_POLL_MS = 3_000;
const CONFIG_POLL_MS = 15_000;
const LANG_KEY = 'teller.lang';
const ADDRESS_KEY = 'teller.address';

function toProblem(lead: MessageKey, err: unknown): Problem {
  if (err instanceof ApiError) {
    return err.text === ''
      ? { lead, detailKey: 'error.server', vars: { code: err.status } }
      : { lead, detail: err.text };
  }
  if (err instanceof NetworkError) return { lead, detailKey: 'error.network' };
  console.error(err);
  return { lead, detail: err instanceof Error ? err.message : String(err) };
}

/** The buyer page: state, the calls to the public API, and which views to refresh. */
class BuyerPage {
  private ctx: Ctx;
  private config?: PublicConfig;
  private health?: Health;
  private loadFailed = false;
  private coinKey?: string;
  private binding = false;
  private addressError?: BindCardState['addressError'];
  private bindMessage?: Problem;
  private deposit?: DepositView;
  private watched?: string;
  private statuses?: DepositStatus[];
  private statusError?: Problem;
  private restored = false;

  private readonly statusClient = new StatusClient();
  private readonly statusPoller = new Poller(() => this.pollStatus(), STATUS_POLL_MS);
  private readonly configPoller = new Poller(() => this.loadConfig(), CONFIG_POLL_MS);

  private readonly header = new Header(new LangNav((lang) => this.setLang(lang, true)));
  private readonly hero = h('h1', { class: 'hero-title', testid: 'hero-title' });
  private readonly lead = h('p', { class: 'hero-lead' });
  private readonly banner = new Banner();
  private readonly market = new MarketCard((key) => this.selectCoin(key));
  private readonly bindCard = new BindCard(
    (addr) => void this.bindAddress(addr),
    (addr) => this.checkStatus(addr),
    () => this.clearAddressError(),
  );
  private readonly depositCard = new DepositCard();
  private readonly statusCard = new StatusCard(this.depositCard.el);
  private readonly footer = h('p', { class: 'footer-text' });

  constructor(root: HTMLElement, lang: Lang) {
    this.ctx = makeCtx(lang);
    root.replaceChildren(
      this.header.el,
      h(
        'main',
        { class: 'wrap main' },
        h('section', { class: 'hero' }, this.hero, this.lead),
        this.banner.el,
        h('div', { class: 'grid' }, this.market.el, this.bindCard.el),
        this.statusCard.el,
      ),
      h('footer', { class: 'footer' }, h('div', { class: 'wrap' }, this.footer)),
    );
    window.addEventListener('popstate', () => this.setLang(langFromPath(location.pathname) ?? 'en', false));
    document.addEventListener('visibilitychange', () => this.renderStatus());
    this.bindCard.input.value = load('local', ADDRESS_KEY) ?? '';
    this.setLang(lang, false);
    this.configPoller.start();
  }

  private get payout(): string {
    return this.config?.payoutCoin ?? 'SKY';
  }

  private get coin(): PublicConfig['coins'][number] | undefined {
    const coins = this.config?.coins.filter((c) => c.enabled) ?? [];
    return coins.find((c) => c.key === this.coinKey) ?? coins[0];
  }

  private availability(): Availability {
    const c = this.config;
    if (c === undefined) return this.loadFailed ? 'failed' : 'loading';
    if (!c.enabled) return 'closed';
    if (this.coin === undefined) return 'no_coins';
    const h = this.health;
    if (c.soldOut || (h !== undefined && (h.soldOut || h.senderError !== ''))) return 'sold_out';
    return 'open';
  }

  private setLang(lang: Lang, push: boolean): void {
    this.ctx = makeCtx(lang);
    save('local', LANG_KEY, lang);
    document.documentElement.lang = LANGS[lang].tag;
    const path = LANGS[lang].path;
    if (push && location.pathname !== path)
      history.pushState(null, '', `${path}${location.search}${location.hash}`);
    this.render();
  }

  private async loadConfig(): Promise<void> {
    const [config, health] = await Promise.allSettled([fetchConfig(), fetchHealth()]);
    if (config.status === 'fulfilled') this.config = config.value;
    // A failed health check hides the inventory rather than showing a stale one.
    this.health = health.status === 'fulfilled' ? health.value : undefined;
    this.loadFailed = config.status === 'rejected';
    if (config.status === 'rejected') console.warn('config unavailable', config.reason);
    this.render();
    if (!this.restored && this.config !== undefined) {
      this.restored = true;
      const stored = this.bindCard.input.value.trim();
      if (stored !== '' && payoutAddressProblem(this.payout, stored) === null) this.watch(stored);
    }
  }

  private async refreshHealth(): Promise<void> {
    try {
      this.health = await fetchHealth();
    } catch (err) {
      // The config poll retries; a stale inventory is hidden rather than shown.
      console.warn('health unavailable', err);
      this.health = undefined;
    }
    this.render();
  }

  private selectCoin(key: string): void {
    this.coinKey = key;
    this.render();
  }

  private validate(address: string): boolean {
    const problem = payoutAddressProblem(this.payout, address);
    this.addressError = problem === null ? undefined : { key: `address.error.${problem}` };
    if (problem !== null) {
      this.bindMessage = undefined;
      this.renderBind();
      this.bindCard.input.focus();
    }
    return problem === null;
  }

  private clearAddressError(): void {
    if (this.addressError === undefined && this.bindMessage === undefined) return;
    this.addressError = undefined;
    this.bindMessage = undefined;
    this.renderBind();
  }

  private async bindAddress(address: string): Promise<void> {
    const coin = this.coin;
    if (this.binding || coin === undefined || !this.validate(address)) return;
    this.binding = true;
    this.bindMessage = undefined;
    this.renderBind();
    let bound = false;
    try {
      const result = await bind(address, coin.coinType);
      this.deposit = {
        ...result,
        payoutAddress: address,
        payoutCoin: this.payout,
        rate: coin.rate,
        confirmations: coin.confirmationsRequired,
      };
      await this.depositCard.show(this.deposit);
      this.watch(address);
      bound = true;
    } catch (err) {
      this.bindMessage = toProblem('error.bind', err);
    } finally {
      this.binding = false;
      this.render();
    }
    // On a phone the new address is below the fold: bring it into view.
    if (bound) this.depositCard.el.scrollIntoView({ behavior: 'smooth', block: 'start' });
  }

  private checkStatus(address: string): void {
    if (!this.validate(address)) return;
    this.watch(address);
    this.statusCard.el.scrollIntoView({ behavior: 'smooth', block: 'start' });
  }

  /** Follows the deposits of `address` until another address is watched. */
  private watch(address: string): void {
    save('local', ADDRESS_KEY, address);
    if (this.watched !== address) {
      this.watched = address;
      this.statuses = undefined;
      this.statusError = undefined;
      if (this.deposit !== undefined && this.deposit.payoutAddress !== address) {
        this.deposit = undefined;
        this.depositCard.hide();
      }
    }
    this.renderStatus();
    this.statusPoller.start();
  }

  private async pollStatus(): Promise<void> {
    const address = this.watched;
    if (address === undefined) return;
    // "Available to buy" and sold out follow the live updates too, not only the slower config poll.
    void this.refreshHealth();
    try {
      const statuses = await this.statusClient.fetch(address);
      if (address !== this.watched) return;
      this.statuses = statuses;
      this.statusError = undefined;
    } catch (err) {
      if (address !== this.watched) return;
      this.statusError = toProblem('error.status', err);
    }
    this.renderStatus();
  }

  private render(): void {
    const ctx = this.ctx;
    const vars = { payout: this.payout };
    document.title = ctx.t('doc.title', vars);
    this.header.update(ctx);
    this.hero.textContent = ctx.t('hero.title', vars);
    // The selected coin's mode: a market rate is not "fixed by the operator".
    const market = this.coin?.rateSource === 'market';
    this.lead.textContent = ctx.t(market ? 'hero.lead.market' : 'hero.lead', vars);
    this.banner.update(ctx, this.availability(), this.payout);
    this.market.update(ctx, this.config, this.health, this.coin?.key);
    this.footer.textContent = ctx.t(market ? 'footer.text.market' : 'footer.text');
    this.renderBind();
    this.depositCard.update(ctx);
    this.renderStatus();
  }

  private renderBind(): void {
    this.bindCard.update(this.ctx, {
      payoutCoin: this.payout,
      coinType: this.coin?.coinType ?? '',
      canBind: this.availability() === 'open',
      binding: this.binding,
      addressError: this.addressError,
      message: this.bindMessage,
    });
  }

  private renderStatus(): void {
    this.statusCard.update(
      this.ctx,
      {
        payoutCoin: this.payout,
        watched: this.watched,
        statuses: this.statuses,
        error: this.statusError,
        paused: document.hidden,
        soldOut: this.availability() === 'sold_out',
      },
      this.deposit !== undefined,
    );
  }
}

function initialLang(): Lang {
  const fromPath = langFromPath(location.pathname);
  if (fromPath !== undefined) return fromPath;
  const stored = load('local', LANG_KEY);
  const lang = isLang(stored) ? stored : 'en';
  if (lang !== 'en') history.replaceState(null, '', `${LANGS[lang].path}${location.search}${location.hash}`);
  return lang;
}

const root = document.getElementById('app');
if (root === null) throw new Error('missing #app');
new BuyerPage(root, initialLang());
