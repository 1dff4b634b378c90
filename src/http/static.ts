import express, { type RequestHandler } from 'express';
import path from 'node:path';
import { HttpError } from './errors';
import { notFound, pathOf, requestTarget } from './middleware/go-mux';

/**
 * The web UI's files, as teller's http.FileServer served them, with DESIGN.md difference 10: a
 * GET/HEAD for an extension-less path that is no file (a UI route such as /cn/) gets index.html.
 * No directory listings; dotfiles are not served; a missing static_dir gives 404s.
 */

const INDEX = 'index.html';

const isApiPath = (p: string): boolean => p === '/api' || p.startsWith('/api/');
/** The dashboard's files sit in `<static_dir>/admin/`; only the admin listener serves them. */
const isAdminPath = (p: string): boolean => p === '/admin' || p.startsWith('/admin/');
const isRead = (method: string): boolean => method === 'GET' || method === 'HEAD';

function serveFiles(dir: string): RequestHandler {
  return express.static(dir, { index: [INDEX], redirect: true, fallthrough: true, dotfiles: 'ignore' });
}

/** Sends `file`; a missing file goes on to the 404. */
function sendFile(file: string): RequestHandler {
  return (_req, res, next) => {
    res.sendFile(file, { dotfiles: 'allow' }, (err?: Error) => {
      if (err === undefined || res.headersSent) return;
      const code = 'code' in err ? err.code : undefined;
      next(
        code === 'ENOENT' || code === 'ENOTDIR' || code === 'EISDIR' ? new HttpError('page_not_found') : err,
      );
    });
  };
}

export function publicStatic(staticDir: string): RequestHandler {
  const root = path.resolve(staticDir);
  const router = express.Router({ caseSensitive: true, strict: true });
  router.use((req, res, next) => {
    const p = pathOf(req);
    if (isApiPath(p) || isAdminPath(p)) return next(new HttpError('page_not_found'));
    if (!isRead(req.method)) return next(new HttpError('method_not_allowed', '', { Allow: 'GET, HEAD' }));
    if (p.endsWith(`/${INDEX}`)) {
      // http.FileServer's canonical form: /index.html → ./ (Location relative, empty body).
      const query = requestTarget(req)?.rawQuery ?? '';
      res.setHeader('Location', query === '' ? './' : `./?${query}`);
      res.statusCode = 301;
      res.end();
      return;
    }
    next();
  });
  router.use(serveFiles(root));
  const fallback = sendFile(path.join(root, INDEX));
  router.use((req, res, next) => {
    const last = pathOf(req).split('/').pop() ?? '';
    if (path.posix.extname(last) === '') fallback(req, res, next);
    else next();
  });
  router.use(notFound);
  return router;
}

/** The admin dashboard from `<static_dir>/admin/`, at `/` and under `/admin/`. */
export function adminStatic(staticDir: string): RequestHandler {
  const serve = serveFiles(path.resolve(staticDir, 'admin'));
  const router = express.Router({ caseSensitive: true, strict: true });
  router.use((req, _res, next) => next(isApiPath(pathOf(req)) ? new HttpError('page_not_found') : undefined));
  router.use('/admin', serve);
  router.use(serve);
  router.use(notFound);
  return router;
}
