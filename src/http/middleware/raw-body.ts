import type { IncomingMessage } from 'node:http';
import { HttpError } from '../errors';

/** Node's 'aborted' (ECONNRESET) error of a request whose client closed the connection. */
export function clientGone(req: IncomingMessage, err: unknown): boolean {
  const code = typeof err === 'object' && err !== null ? Reflect.get(err, 'code') : undefined;
  return code === 'ECONNRESET' || code === 'ECONNABORTED' || req.destroyed;
}

/**
 * Reads the whole request body, at most `limitBytes` of it. A larger body is still read to its
 * end (and dropped) before the 413 is thrown, so that the client, which is still sending, reads
 * the answer instead of a reset connection; the server's request timeout bounds that read.
 */
export function readRawBody(req: IncomingMessage, limitBytes: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size <= limitBytes) chunks.push(chunk);
      else chunks.length = 0;
    };
    const cleanup = (): void => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
      req.off('close', onClose);
    };
    const onEnd = (): void => {
      cleanup();
      if (size > limitBytes) reject(new HttpError('body_too_large'));
      else resolve(Buffer.concat(chunks, size));
    };
    const onError = (err: Error): void => {
      cleanup();
      // The client went away mid-body: its business, not a server fault to log with a stack.
      reject(clientGone(req, err) ? new HttpError('bad_request') : err);
    };
    const onClose = (): void => {
      cleanup();
      reject(new HttpError('bad_request'));
    };
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
    req.on('close', onClose);
  });
}
