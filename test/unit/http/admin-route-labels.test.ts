import { ADMIN_ROUTES, adminRouteLabeler, createAdminApp } from '../../../src/http/admin';
import type { AdminService } from '../../../src/http/services';
import { silentLogger } from '../../../src/util/logger';
import { closeAll, request, serve, testConfig } from './routes-helpers';

/** A request path for each admin route: its label with the parameters filled in. */
const samplePath = (label: string): string => label.replace(':id', 'ab:0').replace(':nonce', '7');

/** A service whose every method answers, so that each route is seen to be served (not a 404). */
const svc = new Proxy({} as AdminService, {
  get: () => async () => ({ ok: true }),
});

afterAll(closeAll);

describe('admin listener metric labels (one route table for routing and labels)', () => {
  it('every admin route has its own label, /approve and /handled included (none counted as other)', () => {
    const label = adminRouteLabeler(['/api/rescan']);
    expect(ADMIN_ROUTES.map((r) => [samplePath(r.label), label(samplePath(r.label))])).toEqual(
      ADMIN_ROUTES.map((r) => [samplePath(r.label), r.label]),
    );
    expect(label('/api/deposits/ab:0/approve')).toBe('/api/deposits/:id/approve');
    expect(label('/api/deposits/ab:0/handled')).toBe('/api/deposits/:id/handled');
    expect(label('/api/deposits/errored')).toBe('/api/deposits/errored');
    expect(label('/api/rescan')).toBe('/api/rescan');
    expect(label('/api/nope')).toBe('other');
    expect(label('/app.js')).toBe('static');
  });

  it('every labelled route is one the admin app serves', async () => {
    const port = await serve(createAdminApp(svc, testConfig(), silentLogger()));
    for (const r of ADMIN_ROUTES) {
      const method =
        r.label.endsWith('/retry') ||
        r.label.endsWith('/approve') ||
        r.label.endsWith('/fill') ||
        r.label.endsWith('/handled')
          ? 'POST'
          : 'GET';
      const path = samplePath(r.label) + (r.label.endsWith('/handled') ? '?note=x' : '');
      const res = await request(port, path, { method });
      expect([r.label, res.status]).not.toEqual([r.label, 404]);
    }
    expect((await request(port, '/api/nope')).status).toBe(404);
  });
});
