import { gzipSync } from 'node:zlib';

/**
 * NYTimes/gziphandler's rule for the public API (spec teller-http.md §2.5): gzip (never another
 * coding) when the request's Accept-Encoding lists gzip with q > 0 and the body reaches 1400 bytes;
 * then `Content-Encoding: gzip` and no Content-Length. Compressed bodies are kept for bodies sent
 * again (the same /api/v2/status body to a buyer page that polls, the same health body to monitors).
 */

/** Smallest body gziphandler compresses. */
export const GZIP_MIN_BYTES = 1400;

/**
 * Whether `acceptEncoding` lets gzip through: an entry whose coding is `gzip` (any case) and whose
 * `q` parameter, if any, is above 0 (negotiator's reading, which the static files' compression uses).
 */
export function acceptsGzip(acceptEncoding: string | undefined): boolean {
  if (acceptEncoding === undefined) return false;
  // Clients send the same header on every request: the last answer is kept.
  if (acceptEncoding === lastAcceptEncoding) return lastAcceptsGzip;
  lastAcceptsGzip = parseAcceptsGzip(acceptEncoding);
  lastAcceptEncoding = acceptEncoding;
  return lastAcceptsGzip;
}

let lastAcceptEncoding = '';
let lastAcceptsGzip = false;

function parseAcceptsGzip(acceptEncoding: string): boolean {
  for (const entry of acceptEncoding.split(',')) {
    const params = entry.split(';');
    if (params[0].trim().toLowerCase() !== 'gzip') continue;
    let q = 1;
    for (let i = 1; i < params.length; i++) {
      const [name, value] = params[i].trim().split('=');
      if (name === 'q') {
        q = parseFloat(value ?? '');
        break;
      }
    }
    if (q > 0) return true;
  }
  return false;
}

/** Compressed bodies, least recently used first out; bounded by the bytes of the bodies they hold. */
export class GzipCache {
  private readonly entries = new Map<string, Buffer>();
  private heldBytes = 0;

  /** `maxBytes`: the summed size of the (uncompressed) bodies kept. */
  constructor(private readonly maxBytes = 4 << 20) {}

  /** `body` gzipped: from the cache when it was sent before. */
  gzip(body: string): Buffer {
    const hit = this.entries.get(body);
    if (hit !== undefined) {
      // Re-inserted: Map order is insertion order, so the oldest entry is the least recently used.
      this.entries.delete(body);
      this.entries.set(body, hit);
      return hit;
    }
    const out = gzipSync(body);
    if (body.length > this.maxBytes) return out;
    this.entries.set(body, out);
    this.heldBytes += body.length;
    for (const [key] of this.entries) {
      if (this.heldBytes <= this.maxBytes) break;
      this.entries.delete(key);
      this.heldBytes -= key.length;
    }
    return out;
  }
}
