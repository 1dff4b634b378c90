import type { DecFormat } from '../../shared/decimal';
import { en, type MessageKey, type Messages } from './en';
import { ru } from './ru';
import { zh } from './zh';

export type { MessageKey } from './en';

export type Lang = 'en' | 'zh' | 'ru';

interface LangInfo {
  messages: Messages;
  /** The UI route (teller's: `/`, `/cn/`, `/ru/`). */
  path: string;
  /** BCP 47 tag for <html lang> and dates. */
  tag: string;
  /** The language's own name, for the switcher. */
  name: string;
  number: DecFormat;
}

export const LANGS: Record<Lang, LangInfo> = {
  en: { messages: en, path: '/', tag: 'en', name: 'English', number: { group: ',', point: '.' } },
  zh: { messages: zh, path: '/cn/', tag: 'zh-CN', name: '中文', number: { group: ',', point: '.' } },
  ru: { messages: ru, path: '/ru/', tag: 'ru', name: 'Русский', number: { group: '\u202f', point: ',' } },
};

export const LANG_ORDER: Lang[] = ['en', 'zh', 'ru'];

export const isLang = (v: string | undefined): v is Lang => v === 'en' || v === 'zh' || v === 'ru';

/** The language a UI route names, or undefined for `/` and unknown paths. */
export function langFromPath(pathname: string): Lang | undefined {
  const first = pathname.split('/')[1] ?? '';
  if (first === 'cn' || first === 'zh') return 'zh';
  if (first === 'ru') return 'ru';
  return undefined;
}

export type Vars = Record<string, string | number>;

export function translate(lang: Lang, key: MessageKey, vars: Vars = {}): string {
  const text = LANGS[lang].messages[key];
  return text.replace(/\{(\w+)\}/g, (whole, name: string) => (name in vars ? String(vars[name]) : whole));
}
