import express, { type Express } from 'express';

/**
 * An express app with nothing of express's own on the wire: no X-Powered-By, no ETags on API
 * bodies, no query parsing (handlers parse the raw query as Go does), exact-case strict routing.
 */
export function baseApp(): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.set('query parser', false);
  app.set('case sensitive routing', true);
  app.set('strict routing', true);
  return app;
}
