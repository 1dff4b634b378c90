import type { RequestHandler } from 'express';
import { performance } from 'node:perf_hooks';
import type { Logger } from '../../util/logger';
import { pathOf } from './go-mux';

/** Paths polled by monitors: logged at debug so they do not drown the info log. */
const QUIET_PATHS = new Set(['/api/health']);

/** One line per finished request: method, path, status, duration. Never bodies or queries. */
export function requestLog(log: Logger): RequestHandler {
  return (req, res, next) => {
    const start = performance.now();
    res.once('close', () => {
      const path = pathOf(req);
      const fields = {
        method: req.method,
        path,
        status: res.statusCode,
        ms: Math.round((performance.now() - start) * 10) / 10,
        ...(res.writableFinished ? {} : { aborted: true }),
      };
      if (QUIET_PATHS.has(path)) log.debug(fields, 'http request');
      else log.info(fields, 'http request');
    });
    next();
  };
}
