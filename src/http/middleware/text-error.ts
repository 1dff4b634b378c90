import type { ErrorRequestHandler } from 'express';
import type { Logger } from '../../util/logger';
import { toHttpError } from '../errors';
import { pathOf } from './go-mux';
import { sendText } from './respond';

/**
 * The final express error handler: every error becomes a Go-style text error (never express's
 * HTML page). HttpErrors are answered as tabled; anything else is logged and answered 500
 * `Internal Server Error`. After the headers went out the connection is cut, as a truncated
 * body is all a client can still be told.
 */
export function textErrors(log: Logger): ErrorRequestHandler {
  return (err: unknown, req, res, _next) => {
    const { error, expected } = toHttpError(err);
    if (!expected) log.error({ err, method: req.method, path: pathOf(req) }, 'request failed');
    else if (error.status >= 500) log.warn({ err, method: req.method, path: pathOf(req) }, 'request failed');
    if (res.headersSent) {
      res.destroy();
      return;
    }
    for (const [name, value] of Object.entries(error.headers)) res.setHeader(name, value);
    res.removeHeader('Content-Disposition');
    res.removeHeader('Content-Encoding');
    sendText(res, error.status, error.body);
  };
}
