import type { Config } from '../../../src/config/types';
import type { Status } from '../../../src/core/deposit';
import { createAdminApp } from '../../../src/http/admin';
import type { AdminService } from '../../../src/http/services';
import { silentLogger } from '../../../src/util/logger';
import { closeAll, request, serve, tellerError, testConfig } from './routes-helpers';

afterEach(closeAll);

const DEPOSIT = { seq: 1, deposit_id: 'ab:0', status: 'done' };

function fakeAdmin(over: Partial<AdminService> = {}) {
  const calls = {
    deposits: [] as (Status | undefined)[],
    retry: [] as string[],
    deposit: [] as string[],
    fill: [] as number[],
  };
  const svc: AdminService = {
    depositAddresses: async () => ({ BTC: { remaining_addresses: 3 } }),
    deposits: async (status) => {
      calls.deposits.push(status);
      return [DEPOSIT];
    },
    errored: async () => [],
    accounting: async () => ({ sent: '0.000000' }),
    backup: async (out) => {
      out.write('SNAPSHOT-');
      out.write(Buffer.from([0, 1, 2]));
    },
    backupFileName: () => 'teller-1700000000.db',
    retry: async (id) => {
      calls.retry.push(id);
      if (id === 'missing:0') throw tellerError('not_found');
      if (id === 'done:0') throw tellerError('not_retryable', 'deposit done:0 is done');
      if (id === 'boom:0') throw new Error('store closed');
      return { deposit_id: id, status: 'waiting_send' };
    },
    approve: async (id) => {
      if (id === 'missing:0') throw tellerError('not_found');
      return { deposit_id: id, status: 'waiting_send' };
    },
    markHandled: async (id, note) => {
      if (note === '') throw tellerError('note_required', 'note required');
      return { deposit_id: id, status: 'done', error: `handled manually: ${note}` };
    },
    overview: async () => ({ scanners: [] }),
    nonceGap: async () => ({ gap: null }),
    fillNonceGap: async (nonce) => {
      calls.fill.push(nonce);
      if (nonce === 9) throw tellerError('not_a_gap', 'no nonce gap at 9: nonce 9 is mined');
      if (nonce === 8) throw new Error('store closed');
      return { nonce, txid: '0xf1' };
    },
    deposit: async (id) => {
      calls.deposit.push(id);
      return id === 'ab:0' ? DEPOSIT : undefined;
    },
    ...over,
  };
  return Object.assign(svc, { calls });
}

async function start(over: Partial<AdminService> = {}, patch?: (c: Config) => void) {
  const svc = fakeAdmin(over);
  const port = await serve(createAdminApp(svc, testConfig(patch), silentLogger()));
  return { port, svc };
}

describe('admin API (monitor routes)', () => {
  it.each([
    ['/api/deposit-addresses', { BTC: { remaining_addresses: 3 } }],
    ['/api/deposits', { deposits: [DEPOSIT] }],
    ['/api/deposits/errored', { deposits: [] }],
    ['/api/accounting', { sent: '0.000000' }],
    ['/api/overview', { scanners: [] }],
    ['/api/deposits/ab:0', DEPOSIT],
  ])('GET %s → 200 Go JSON', async (path, body) => {
    const { port } = await start();
    const r = await request(port, path);
    expect([r.status, r.headers['content-type']]).toEqual([200, 'application/json']);
    expect(r.text).toBe(JSON.stringify(body, null, 4));
    expect(r.headers['x-frame-options']).toBeUndefined();
  });

  it('an empty errored list is [] (never null)', async () => {
    const { port } = await start();
    expect((await request(port, '/api/deposits/errored')).text).toBe('{\n    "deposits": []\n}');
  });

  it.each([
    ['POST', '/api/deposits'],
    ['HEAD', '/api/accounting'],
    ['PUT', '/api/deposit-addresses'],
    ['DELETE', '/api/deposits/errored'],
    ['POST', '/api/backup'],
    ['HEAD', '/api/backup'],
    ['POST', '/api/overview'],
    ['DELETE', '/api/deposits/ab:0'],
  ])('%s %s → 405 Method Not Allowed, Allow: GET', async (method, path) => {
    const { port } = await start();
    const r = await request(port, path, { method });
    expect([r.status, r.headers.allow]).toEqual([405, 'GET']);
    expect(r.text).toBe(method === 'HEAD' ? '' : 'Method Not Allowed\n');
  });

  it.each(['/api/deposits/', '/api/nope', '/api', '/API/deposits', '/missing.js'])(
    '%s → 404',
    async (path) => {
      const { port } = await start();
      const r = await request(port, path);
      expect([r.status, r.text]).toEqual([404, '404 page not found\n']);
    },
  );

  it('unclean paths are redirected like Go’s mux', async () => {
    const { port } = await start();
    const r = await request(port, '/api//deposits?status=done');
    expect([r.status, r.headers.location]).toEqual([301, '/api/deposits?status=done']);
  });

  it('a service failure → 500 Internal Server Error', async () => {
    const { port } = await start({
      accounting: async () => {
        throw new Error('x');
      },
    });
    expect((await request(port, '/api/accounting')).text).toBe('Internal Server Error\n');
  });
});

describe('GET /api/deposits?status=', () => {
  it.each([
    ['', undefined],
    ['?status=', undefined],
    ['?status=done', 'done'],
    ['?status=waiting_deposit', 'waiting_deposit'],
    ['?status=waiting_passthrough_order_complete&status=x', 'waiting_passthrough_order_complete'],
  ])('%s filters by %s', async (query, status) => {
    const { port, svc } = await start();
    expect((await request(port, `/api/deposits${query}`)).status).toBe(200);
    expect(svc.calls.deposits).toEqual([status]);
  });

  it.each(['unknown', 'Done', 'done%20', 'waiting'])('status=%s → 400 Invalid status', async (s) => {
    const { port, svc } = await start();
    const r = await request(port, `/api/deposits?status=${s}`);
    expect([r.status, r.text]).toEqual([400, 'Invalid status\n']);
    expect(svc.calls.deposits).toEqual([]);
  });
});

describe('GET /api/backup', () => {
  it('streams the snapshot as an attachment', async () => {
    const { port } = await start();
    const r = await request(port, '/api/backup');
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toBe('application/octet-stream');
    expect(r.headers['content-disposition']).toBe('attachment; filename="teller-1700000000.db"');
    expect(r.body).toEqual(Buffer.concat([Buffer.from('SNAPSHOT-'), Buffer.from([0, 1, 2])]));
  });

  it('a failure before any byte → 500 with the error text, no attachment header', async () => {
    const { port } = await start({
      backup: async () => {
        throw new Error('snapshot failed: disk full');
      },
    });
    const r = await request(port, '/api/backup');
    expect([r.status, r.text]).toEqual([500, 'snapshot failed: disk full\n']);
    expect(r.headers['content-disposition']).toBeUndefined();
  });

  it('a failure mid-stream cuts the connection (truncated body)', async () => {
    const { port } = await start({
      backup: async (out) => {
        out.write('partial');
        throw new Error('read failed');
      },
    });
    await expect(request(port, '/api/backup')).rejects.toThrow();
  });
});

describe('deposit detail and retry (beyond teller)', () => {
  it('GET /api/deposits/<id> → 404 Deposit not found for an unknown id', async () => {
    const { port, svc } = await start();
    const r = await request(port, '/api/deposits/ff%3A1');
    expect([r.status, r.text]).toEqual([404, 'Deposit not found\n']);
    expect(svc.calls.deposit).toEqual(['ff:1']);
  });

  it('POST /api/deposits/<id>/retry → the service JSON', async () => {
    const { port, svc } = await start();
    const r = await request(port, '/api/deposits/ab:0/retry', { method: 'POST' });
    expect(r.status).toBe(200);
    expect(JSON.parse(r.text)).toEqual({ deposit_id: 'ab:0', status: 'waiting_send' });
    expect(svc.calls.retry).toEqual(['ab:0']);
  });

  it.each([
    ['missing:0', 404, 'Deposit not found\n'],
    ['done:0', 409, 'deposit done:0 is done\n'],
    ['boom:0', 500, 'Internal Server Error\n'],
  ])('retry %s → %i', async (id, status, text) => {
    const { port } = await start();
    const r = await request(port, `/api/deposits/${id}/retry`, { method: 'POST' });
    expect([r.status, r.text]).toEqual([status, text]);
  });

  it('POST /api/deposits/<id>/handled?note= → the service JSON; a missing note is a 409', async () => {
    const { port } = await start();
    const ok = await request(port, '/api/deposits/ab:0/handled?note=refunded%20by%20hand', {
      method: 'POST',
    });
    expect(ok.status).toBe(200);
    expect(JSON.parse(ok.text)).toMatchObject({
      status: 'done',
      error: 'handled manually: refunded by hand',
    });
    const bad = await request(port, '/api/deposits/ab:0/handled', { method: 'POST' });
    expect([bad.status, bad.text]).toEqual([409, 'note required\n']);
  });

  it('POST /api/deposits/<id>/approve → the service JSON; unknown id → 404', async () => {
    const { port } = await start();
    const ok = await request(port, '/api/deposits/ab:0/approve', { method: 'POST' });
    expect([ok.status, JSON.parse(ok.text)]).toEqual([200, { deposit_id: 'ab:0', status: 'waiting_send' }]);
    const missing = await request(port, '/api/deposits/missing:0/approve', { method: 'POST' });
    expect([missing.status, missing.text]).toEqual([404, 'Deposit not found\n']);
  });

  it('EVM nonce gaps: GET the gap; POST .../<nonce>/fill → the fill, 409 with the reason when refused', async () => {
    const { port, svc } = await start();
    const gap = await request(port, '/api/payout/nonce-gaps');
    expect([gap.status, JSON.parse(gap.text)]).toEqual([200, { gap: null }]);
    const ok = await request(port, '/api/payout/nonce-gaps/3/fill', { method: 'POST' });
    expect([ok.status, JSON.parse(ok.text)]).toEqual([200, { nonce: 3, txid: '0xf1' }]);
    const refused = await request(port, '/api/payout/nonce-gaps/9/fill', { method: 'POST' });
    expect([refused.status, refused.text]).toEqual([409, 'no nonce gap at 9: nonce 9 is mined\n']);
    const broken = await request(port, '/api/payout/nonce-gaps/8/fill', { method: 'POST' });
    expect(broken.status).toBe(500);
    const get = await request(port, '/api/payout/nonce-gaps/3/fill');
    expect([get.status, get.headers.allow]).toEqual([405, 'POST']);
    const bad = await request(port, '/api/payout/nonce-gaps/x/fill', { method: 'POST' });
    expect(bad.status).toBe(404);
    expect(svc.calls.fill).toEqual([3, 9, 8]);
  });

  it('GET .../retry → 405 Allow: POST', async () => {
    const { port, svc } = await start();
    const r = await request(port, '/api/deposits/ab:0/retry');
    expect([r.status, r.headers.allow, r.text]).toEqual([405, 'POST', 'Method Not Allowed\n']);
    expect(svc.calls.retry).toEqual([]);
  });
});

describe('admin token (DESIGN.md difference 11)', () => {
  const withToken = (c: Config) => (c.admin_panel.token = 's3cret-token');

  it.each([
    [undefined],
    ['Bearer wrong'],
    ['Bearer s3cret-token-longer'],
    ['Basic czNjcmV0LXRva2Vu'],
    ['s3cret-token'],
  ])('Authorization %s → 401 WWW-Authenticate: Bearer', async (auth) => {
    const { port, svc } = await start({}, withToken);
    const headers: Record<string, string> = auth === undefined ? {} : { authorization: auth };
    for (const path of ['/api/deposits', '/api/backup', '/api/nope']) {
      const r = await request(port, path, { headers });
      expect([r.status, r.text, r.headers['www-authenticate']]).toEqual([401, 'Unauthorized\n', 'Bearer']);
    }
    const retry = await request(port, '/api/deposits/ab:0/retry', { method: 'POST', headers });
    expect(retry.status).toBe(401);
    expect(svc.calls.retry).toEqual([]);
  });

  it('the right token is let through (scheme case-insensitive)', async () => {
    const { port } = await start({}, withToken);
    for (const auth of ['Bearer s3cret-token', 'bearer s3cret-token']) {
      expect((await request(port, '/api/deposits', { headers: { authorization: auth } })).status).toBe(200);
    }
  });

  it('the dashboard loads without the token', async () => {
    const { port } = await start({}, withToken);
    const r = await request(port, '/');
    expect([r.status, r.text]).toEqual([200, '<!doctype html><title>Teller admin</title>']);
  });
});

describe('admin dashboard files', () => {
  it('are served from <static_dir>/admin at / and /admin/', async () => {
    const { port } = await start();
    expect((await request(port, '/admin/')).text).toBe('<!doctype html><title>Teller admin</title>');
    expect((await request(port, '/admin/admin.js')).text).toBe('void 0;');
    expect((await request(port, '/admin.js')).text).toBe('void 0;');
    const r = await request(port, '/');
    expect(r.headers['x-frame-options']).toBe('DENY');
    expect((await request(port, '/app.js')).status).toBe(404);
  });
});
