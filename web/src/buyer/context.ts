import { formatDecString } from '../shared/decimal';
import { LANGS, translate, type Lang, type MessageKey, type Vars } from './i18n';

/** What every view needs to put text on screen in the current language. */
export interface Ctx {
  lang: Lang;
  t(key: MessageKey, vars?: Vars): string;
  /** A decimal string in the language's number format (`500.000000` → `500`). */
  amount(value: string): string;
  time(unixSeconds: number): string;
}

export function makeCtx(lang: Lang): Ctx {
  const info = LANGS[lang];
  const dateFmt = new Intl.DateTimeFormat(info.tag, { dateStyle: 'medium', timeStyle: 'medium' });
  return {
    lang,
    t: (key, vars) => translate(lang, key, vars),
    amount: (value) => formatDecString(value, info.number),
    time: (s) => dateFmt.format(new Date(s * 1000)),
  };
}

/** A failure shown to the buyer: a translated lead-in plus the server's (untranslated) text. */
export interface Problem {
  lead: MessageKey;
  /** Server text, shown verbatim after the lead-in. */
  detail?: string;
  /** Or a translated explanation. */
  detailKey?: MessageKey;
  vars?: Vars;
}

export function problemText(ctx: Ctx, p: Problem): string {
  const detail = p.detail ?? (p.detailKey === undefined ? '' : ctx.t(p.detailKey, p.vars));
  return `${ctx.t(p.lead)} ${detail}`.trim();
}

/** Stands for a node inside a translated sentence; `withNode` splits the text around it. */
export const PLACEHOLDER = '\u0000';

export function withNode(text: string, node: Node): (string | Node)[] {
  const [before, after = ''] = text.split(PLACEHOLDER);
  return [before, node, after];
}
