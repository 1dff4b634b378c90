import { formatDec, formatDecString, fromBaseUnits } from '../shared/decimal';
import { ApiError, NetworkError } from '../shared/http';

const pad = (n: number): string => String(n).padStart(2, '0');

/** Unix seconds as local `YYYY-MM-DD HH:MM:SS`. */
export function time(unixSeconds: number): string {
  if (!Number.isFinite(unixSeconds) || unixSeconds <= 0) return '—';
  const d = new Date(unixSeconds * 1000);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

export const clock = (d: Date): string =>
  `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;

/**
 * Decimals of the base units in teller's DepositInfo: satoshis, Gwei (teller's ETH scanner
 * divides wei by 1e9), droplets. Other coins (tokens) are shown in raw base units.
 */
const DEPOSIT_DECIMALS: Record<string, number> = { BTC: 8, ETH: 9, SKY: 6 };

export function baseUnits(value: unknown, coin: string, decimals = DEPOSIT_DECIMALS[coin]): string {
  if (typeof value !== 'number' && typeof value !== 'string') return '—';
  const s = String(value);
  if (!/^-?\d+$/.test(s)) return s;
  if (decimals === undefined) return `${s} (base units)`;
  return `${formatDec(fromBaseUnits(BigInt(s), decimals), GROUPED)} ${coin}`;
}

const GROUPED = { group: ',', point: '.' };

/** A decimal string without trailing zeros, thousands grouped (`99.670000` → `99.67`). */
export const amount = (s: string): string => (s === '' ? '—' : formatDecString(s, GROUPED));

export function errorText(err: unknown): string {
  if (err instanceof ApiError)
    return err.text === '' ? `HTTP ${err.status}` : `HTTP ${err.status}: ${err.text}`;
  if (err instanceof NetworkError) return `cannot reach the admin API (${err.message})`;
  return err instanceof Error ? err.message : String(err);
}

/** Long ids shortened in the middle; the full text goes in the title. */
export const shorten = (s: string, keep = 10): string =>
  s.length <= keep * 2 + 1 ? s : `${s.slice(0, keep)}…${s.slice(-keep)}`;

/** `waiting_send` → `waiting send`. */
export const label = (key: string): string => key.replace(/_/g, ' ');
