import type { RequestHandler } from 'express';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import type { Logger } from '../../util/logger';
import { pathOf } from './go-mux';

/** Paths polled by monitors: logged at debug so they do not drown the info log. */
const QUIET_PATHS = new Set(['/api/health']);

/** One line per finished request: method, path (decoded, as routed), status, duration. Never bodies or queries. */
export function logWhenClosed(
  log: Logger,
  req: IncomingMessage,
  res: ServerResponse,
  path: string,
  start = performance.now(),
): void {
  const onClose = (): void => {
    const fields = {
      method: req.method,
      path,
      status: res.statusCode,
      ms: Math.round((performance.now() - start) * 10) / 10,
      ...(res.writableFinished ? {} : { aborted: true }),
    };
    if (QUIET_PATHS.has(path)) log.debug(fields, 'http request');
    else log.info(fields, 'http request');
  };
  res.once('close', onClose);
}

export function requestLog(log: Logger): RequestHandler {
  return (req, res, next) => {
    logWhenClosed(log, req, res, pathOf(req));
    next();
  };
}
