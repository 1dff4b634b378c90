import { gunzipSync, gzipSync } from 'node:zlib';

/**
 * The status routes' bodies per payout address, kept while the service's status stamp stays the
 * same (and, for a body that shows the clock, within its second): a buyer page polls its address
 * every few seconds, and a repeated query then costs a Map lookup and a write of bytes ready to go.
 *
 * Bounded by bytes, least recently used out first. Only addresses with bindings are kept (an empty
 * answer is cheap to make): someone querying many addresses can fill the cache only with those
 * that have bindings, and can push other entries out, which costs them a recomputation, no more.
 */

/**
 * Per route. An entry holds the form its clients take (a buyer page's fetch takes gzip: a 2.5 KB
 * /api/v2/status body of 5 deposits is kept as ~0.6 KB), ~1 KB with its key: ~16,000 addresses.
 */
export const STATUS_CACHE_BYTES = 16 << 20;

/** What an entry costs besides its key and bytes (the Map slot and the entry object), roughly. */
const ENTRY_OVERHEAD_BYTES = 160;

export interface CachedBody {
  readonly stamp: number;
  /** The second (Unix time) the body's clock shows, or -1 when it shows none. */
  readonly second: number;
  /** The body's length, uncompressed. */
  readonly bytes: number;
  /** The body, and gzipped; either is made from the other when first asked for. */
  plain: Buffer | undefined;
  gzipped: Buffer | undefined;
}

const held = (e: CachedBody): number => (e.plain?.length ?? 0) + (e.gzipped?.length ?? 0);

export class StatusCache {
  private readonly entries = new Map<string, CachedBody>();
  private heldBytes = 0;

  constructor(private readonly maxBytes = STATUS_CACHE_BYTES) {}

  /** Bytes held (keys, bodies, compressed bodies and the entries' overhead). */
  get bytes(): number {
    return this.heldBytes;
  }

  get size(): number {
    return this.entries.size;
  }

  /** The body kept for `key` if it is still current: made at `stamp`, and in `second` if it shows one. */
  get(key: string, stamp: number, second: number): CachedBody | undefined {
    const entry = this.entries.get(key);
    if (entry === undefined) return undefined;
    if (entry.stamp !== stamp || (entry.second !== -1 && entry.second !== second)) {
      this.remove(key, entry);
      return undefined;
    }
    // Map order is insertion order: re-inserted, the oldest entry is the least recently used.
    this.entries.delete(key);
    this.entries.set(key, entry);
    return entry;
  }

  /**
   * Keeps `body` (made at `stamp`, showing `second` or -1) for `key`, gzipped when `gzipped` (the
   * client takes gzip and the body is long enough for it); returns its entry.
   */
  set(key: string, stamp: number, second: number, body: string, gzipped: boolean): CachedBody {
    const old = this.entries.get(key);
    if (old !== undefined) this.remove(key, old);
    const plain = Buffer.from(body);
    const entry: CachedBody = {
      stamp,
      second,
      bytes: plain.length,
      plain: gzipped ? undefined : plain,
      gzipped: gzipped ? gzipSync(plain) : undefined,
    };
    const cost = key.length + held(entry) + ENTRY_OVERHEAD_BYTES;
    if (cost > this.maxBytes) return entry;
    this.entries.set(key, entry);
    this.grew(cost);
    return entry;
  }

  /** The entry's body, uncompressed. */
  plain(key: string, entry: CachedBody): Buffer {
    if (entry.plain !== undefined) return entry.plain;
    entry.plain = gunzipSync(entry.gzipped ?? Buffer.alloc(0));
    if (this.entries.get(key) === entry) this.grew(entry.plain.length);
    return entry.plain;
  }

  /** The entry's body gzipped. */
  gzip(key: string, entry: CachedBody): Buffer {
    if (entry.gzipped !== undefined) return entry.gzipped;
    entry.gzipped = gzipSync(entry.plain ?? Buffer.alloc(0));
    if (this.entries.get(key) === entry) this.grew(entry.gzipped.length);
    return entry.gzipped;
  }

  private grew(bytes: number): void {
    this.heldBytes += bytes;
    for (const [key, entry] of this.entries) {
      if (this.heldBytes <= this.maxBytes) break;
      this.remove(key, entry);
    }
  }

  private remove(key: string, entry: CachedBody): void {
    this.entries.delete(key);
    this.heldBytes -= key.length + held(entry) + ENTRY_OVERHEAD_BYTES;
  }
}
