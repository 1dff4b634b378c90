import { fill, h } from '../shared/dom';
import type { Ctx } from './context';
import { LANG_ORDER, LANGS, type Lang } from './i18n';

export type Availability = 'loading' | 'failed' | 'open' | 'closed' | 'sold_out' | 'no_coins';

const LOGO_PATHS = ['M7 9h10l-3-3', 'M17 15H7l3 3'];

function logo(): SVGSVGElement {
  const ns = 'http://www.w3.org/2000/svg';
  const svg = document.createElementNS(ns, 'svg');
  svg.setAttribute('viewBox', '0 0 24 24');
  svg.setAttribute('aria-hidden', 'true');
  svg.setAttribute('class', 'logo');
  const circle = document.createElementNS(ns, 'circle');
  circle.setAttribute('cx', '12');
  circle.setAttribute('cy', '12');
  circle.setAttribute('r', '11');
  svg.append(circle);
  for (const d of LOGO_PATHS) {
    const path = document.createElementNS(ns, 'path');
    path.setAttribute('d', d);
    svg.append(path);
  }
  return svg;
}

/** Language links (teller's routes `/`, `/cn/`, `/ru/`), switched without a reload. */
export class LangNav {
  readonly el = h('nav', { class: 'lang-nav' });
  private readonly links = new Map<Lang, HTMLAnchorElement>();

  constructor(onSelect: (lang: Lang) => void) {
    for (const lang of LANG_ORDER) {
      const info = LANGS[lang];
      const a = h(
        'a',
        { testid: `lang-${lang}`, attrs: { href: info.path, lang: info.tag, hreflang: info.tag } },
        info.name,
      );
      a.addEventListener('click', (ev) => {
        if (ev.metaKey || ev.ctrlKey || ev.shiftKey || ev.altKey || ev.button !== 0) return;
        ev.preventDefault();
        onSelect(lang);
      });
      this.links.set(lang, a);
      this.el.append(a);
    }
  }

  update(ctx: Ctx): void {
    this.el.setAttribute('aria-label', ctx.t('lang.label'));
    for (const [lang, a] of this.links) {
      if (lang === ctx.lang) a.setAttribute('aria-current', 'true');
      else a.removeAttribute('aria-current');
    }
  }
}

export class Header {
  readonly el: HTMLElement;
  private readonly name = h('span', { class: 'brand-name' });
  private readonly brand = h('a', { class: 'brand', attrs: { href: '/' } });

  constructor(readonly nav: LangNav) {
    this.el = h('header', { class: 'topbar' }, h('div', { class: 'wrap topbar-inner' }, this.brand, nav.el));
    this.brand.append(logo(), this.name);
  }

  update(ctx: Ctx): void {
    this.name.textContent = ctx.t('brand.name');
    this.brand.href = LANGS[ctx.lang].path;
    this.nav.update(ctx);
  }
}

/** Closed / sold out / no coin / loading notices, shown before the buyer pays. */
export class Banner {
  readonly el = h('div', {
    class: 'banner',
    testid: 'availability-banner',
    attrs: { role: 'status', hidden: true },
  });

  update(ctx: Ctx, state: Availability, payout: string): void {
    this.el.hidden = state === 'open';
    this.el.dataset.kind = state;
    const t = ctx.t;
    const vars = { payout };
    const content: Record<Availability, [string, string]> = {
      open: ['', ''],
      loading: ['', t('app.loading')],
      failed: ['', t('app.loadFailed')],
      closed: [t('banner.closed.title'), t('banner.closed.text')],
      sold_out: [t('banner.soldOut.title', vars), t('banner.soldOut.text', vars)],
      no_coins: [t('banner.closed.title'), t('banner.noCoins.text')],
    };
    const [title, text] = content[state];
    fill(
      this.el,
      title === '' ? null : h('strong', { class: 'banner-title', testid: 'banner-title' }, title),
      h('span', { class: 'banner-text' }, text),
    );
  }
}
