/**
 * Safety checks (DESIGN.md "Safety rules"): a listener beyond loopback needs a token, names
 * allowed besides loopback need one too, and dummy parts only run with other dummy parts, so
 * that nothing an outsider can reach, and no fake deposit or price, moves real money.
 */
import { isLoopbackHost, splitHostHeader } from '../util/loopback';
import type { Findings } from './reader';
import type { Config } from './types';

/** The host of a `host:port` listen address ('' = every interface); undefined if unparsable. */
function listenHost(addr: string): string | undefined {
  const m = /^(?:\[([^\]]*)\]|([^:[\]]*)):\d{1,5}$/.exec(addr);
  return m === null ? undefined : (m[1] ?? m[2]);
}

/** True when the dummy control listener runs: a dummy part or the simulated exchange is on. */
export function dummyListenerUsed(c: Config): boolean {
  const simulated =
    c.sky_exchanger.buy_method === 'passthrough' && c.sky_exchanger.passthrough.exchange === 'simulated';
  return c.dummy.scanner || c.dummy.sender || simulated;
}

interface Guarded {
  section: 'admin_panel' | 'dummy';
  addrKey: string;
  addr: string;
  token: string;
  allowedHosts: string[];
}

function guardedListener(g: Guarded, f: Findings): void {
  const host = listenHost(g.addr);
  const tokenKey = `${g.section}.token`;
  if (host !== undefined && !isLoopbackHost(host) && g.token === '') {
    f.problems.push(
      `${tokenKey} must be set: ${g.addrKey} "${g.addr}" listens beyond loopback ` +
        `(or listen on 127.0.0.1 and reach it through an SSH tunnel)`,
    );
  }
  if (g.allowedHosts.length > 0 && g.token === '') {
    f.problems.push(`${tokenKey} must be set when ${g.section}.allowed_hosts lets other host names in`);
  }
  g.allowedHosts.forEach((name, i) => {
    if (splitHostHeader(name) === null) {
      f.problems.push(
        `${g.section}.allowed_hosts[${i}] must be a host name or host:port (no scheme or path), got "${name}"`,
      );
    }
  });
  if (g.section === 'dummy' && g.token !== '' && g.token.length < 16) {
    f.problems.push('dummy.token must be at least 16 characters');
  }
}

/** Dummy deposits, prices or payouts never meet a real hot wallet or a real exchange account. */
function dummyParts(c: Config, f: Findings): void {
  const realSender =
    c.payout.coin === 'SKY' ? 'the Skycoin node wallet' : `the ${c.payout.coin} keystore payout.evm.keystore`;
  if (c.dummy.scanner && !c.dummy.sender) {
    f.problems.push(
      `dummy.scanner = true needs dummy.sender = true: anyone who can reach the dummy API would be paid from ${realSender}`,
    );
  }
  const x = c.sky_exchanger;
  if (x.buy_method !== 'passthrough') return;
  if (x.passthrough.exchange === 'simulated' && !c.dummy.sender) {
    f.problems.push(
      'sky_exchanger.passthrough.exchange = "simulated" needs dummy.sender = true: its price is set over the dummy API and ' +
        `would be paid from ${realSender}`,
    );
  }
  if (x.passthrough.exchange !== 'simulated' && x.passthrough.exchange !== '' && c.dummy.scanner) {
    f.problems.push(
      `dummy.scanner = true cannot be used with sky_exchanger.passthrough.exchange = "${x.passthrough.exchange}": ` +
        'fake deposits would buy on the real exchange account',
    );
  }
}

export function validateSafety(c: Config, f: Findings): void {
  if (c.admin_panel.host !== '') {
    guardedListener(
      {
        section: 'admin_panel',
        addrKey: 'admin_panel.host',
        addr: c.admin_panel.host,
        token: c.admin_panel.token,
        allowedHosts: c.admin_panel.allowed_hosts,
      },
      f,
    );
  }
  if (dummyListenerUsed(c)) {
    guardedListener(
      {
        section: 'dummy',
        addrKey: 'dummy.http_addr',
        addr: c.dummy.http_addr,
        token: c.dummy.token,
        allowedHosts: c.dummy.allowed_hosts,
      },
      f,
    );
  }
  dummyParts(c, f);
  if (c.web.max_connections < 1) f.problems.push('web.max_connections must be >= 1');
}
