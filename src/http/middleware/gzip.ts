import compression from 'compression';
import type { RequestHandler } from 'express';
import { appendVary } from './respond';

/** Smallest body gziphandler compresses. */
const GZIP_MIN_BYTES = 1400;

/** Keeps only the gzip entries of Accept-Encoding: gziphandler never answers br or deflate. */
function gzipOnly(acceptEncoding: string): string {
  return acceptEncoding
    .split(',')
    .filter((e) => e.split(';')[0].trim().toLowerCase() === 'gzip')
    .join(',');
}

/**
 * NYTimes/gziphandler as teller wraps its handlers: `Vary: Accept-Encoding` on every response,
 * gzip (never another coding) for any content type once the body reaches 1400 bytes.
 */
export function gzip(): RequestHandler {
  const compress = compression({ threshold: GZIP_MIN_BYTES, filter: () => true });
  return (req, res, next) => {
    appendVary(res, 'Accept-Encoding');
    const accept = req.headers['accept-encoding'];
    if (accept !== undefined) {
      const kept = gzipOnly(accept);
      if (kept === '') delete req.headers['accept-encoding'];
      else req.headers['accept-encoding'] = kept;
    }
    compress(req, res, next);
  };
}
