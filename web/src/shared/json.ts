/** Narrowing helpers for JSON from the daemon: missing or mistyped fields read as defaults. */

export type JsonObject = Record<string, unknown>;

export const isObject = (v: unknown): v is JsonObject =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

export const obj = (v: unknown): JsonObject => (isObject(v) ? v : {});

export const str = (o: JsonObject, key: string, fallback = ''): string => {
  const v = o[key];
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'bigint') return String(v);
  return fallback;
};

export const num = (o: JsonObject, key: string, fallback = 0): number => {
  const v = o[key];
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  if (typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v))) return Number(v);
  return fallback;
};

export const bool = (o: JsonObject, key: string, fallback = false): boolean => {
  const v = o[key];
  return typeof v === 'boolean' ? v : fallback;
};

export const arr = (o: JsonObject, key: string): unknown[] => {
  const v = o[key];
  return Array.isArray(v) ? v : [];
};
