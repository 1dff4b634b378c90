import { gunzipSync } from 'node:zlib';
import { StatusCache } from '../../../src/http/api/status-cache';

/** The status routes' body cache: current only at its stamp (and second), bounded by bytes, LRU. */

const text = (cache: StatusCache, key: string, stamp: number, second: number): string | undefined => {
  const entry = cache.get(key, stamp, second);
  return entry && cache.plain(key, entry).toString();
};

describe('StatusCache', () => {
  it('gives a body back at the same stamp, never at another', () => {
    const cache = new StatusCache();
    cache.set('a', 7, -1, '{"x": 1}', false);
    expect(text(cache, 'a', 7, 100)).toBe('{"x": 1}');
    expect(text(cache, 'a', 7, 999)).toBe('{"x": 1}');
    expect(cache.get('a', 8, 100)).toBeUndefined();
    // A stale entry is dropped: going back to the old stamp does not revive it.
    expect(cache.get('a', 7, 100)).toBeUndefined();
    expect([cache.size, cache.bytes]).toEqual([0, 0]);
  });

  it('a body that shows the clock is current only within its second', () => {
    const cache = new StatusCache();
    cache.set('a', 1, 100, 'now=100', false);
    expect(text(cache, 'a', 1, 100)).toBe('now=100');
    expect(cache.get('a', 1, 101)).toBeUndefined();
  });

  it('keeps the form asked for, makes the other once, and counts both', () => {
    const cache = new StatusCache();
    const body = 'x'.repeat(2000);
    const entry = cache.set('a', 1, -1, body, true);
    expect(entry.bytes).toBe(2000);
    expect(entry.plain).toBeUndefined();
    const zipped = cache.bytes;
    expect(gunzipSync(cache.gzip('a', entry)).toString()).toBe(body);
    expect(cache.plain('a', entry).toString()).toBe(body);
    expect(cache.plain('a', entry)).toBe(entry.plain);
    expect(cache.bytes).toBe(zipped + 2000);
    const plainFirst = cache.set('b', 1, -1, body, false);
    expect(plainFirst.gzipped).toBeUndefined();
    expect(gunzipSync(cache.gzip('b', plainFirst)).toString()).toBe(body);
    expect(cache.get('a', 2, 0)).toBeUndefined();
    expect(cache.get('b', 2, 0)).toBeUndefined();
    expect(cache.bytes).toBe(0);
  });

  it('holds at most its bytes, dropping the least recently used first', () => {
    const body = 'b'.repeat(1000);
    const cache = new StatusCache(3 * 1200);
    for (const key of ['k1', 'k2', 'k3']) cache.set(key, 1, -1, body, false);
    expect(cache.get('k1', 1, 0)).toBeDefined(); // k1 is now the most recently used
    cache.set('k4', 1, -1, body, false);
    expect(cache.bytes).toBeLessThanOrEqual(3 * 1200);
    expect(cache.get('k2', 1, 0)).toBeUndefined();
    for (const key of ['k1', 'k3', 'k4']) expect(cache.get(key, 1, 0)).toBeDefined();
  });

  it('many addresses never take more than the bound', () => {
    const cache = new StatusCache(64 * 1024);
    for (let i = 0; i < 2_000; i++) {
      const key = `addr${i}`;
      const entry = cache.set(key, i, -1, `{"deposits": ${'y'.repeat(i % 3000)}}`, i % 2 === 0);
      if (i % 3 === 0) cache.plain(key, entry);
      if (i % 5 === 0) cache.gzip(key, entry);
      expect(cache.bytes).toBeLessThanOrEqual(64 * 1024);
    }
    expect(cache.size).toBeGreaterThan(0);
  });

  it('a body larger than the whole bound is served but not kept', () => {
    const cache = new StatusCache(1000);
    const entry = cache.set('a', 1, -1, 'z'.repeat(5000), false);
    expect(cache.plain('a', entry).length).toBe(5000);
    expect(cache.gzip('a', entry).length).toBeGreaterThan(0);
    expect([cache.size, cache.bytes]).toEqual([0, 0]);
  });
});
