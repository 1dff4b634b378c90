/**
 * localStorage/sessionStorage that degrade to "nothing stored": storage can throw (disabled
 * cookies, private modes, quota); the UI then simply forgets preferences.
 */

type Area = 'local' | 'session';

function area(kind: Area): Storage | undefined {
  try {
    return kind === 'local' ? window.localStorage : window.sessionStorage;
  } catch (err) {
    console.warn('storage unavailable', err);
    return undefined;
  }
}

export function load(kind: Area, key: string): string | undefined {
  try {
    return area(kind)?.getItem(key) ?? undefined;
  } catch (err) {
    console.warn('storage read failed', err);
    return undefined;
  }
}

export function save(kind: Area, key: string, value: string | undefined): void {
  try {
    const s = area(kind);
    if (value === undefined) s?.removeItem(key);
    else s?.setItem(key, value);
  } catch (err) {
    console.warn('storage write failed', err);
  }
}
