/**
 * Checks of the HTTP listeners: teller's `Web.Validate` rules (spec §2.3 item 9), all reported
 * rather than only the first, plus host:port syntax for every listen address.
 */
import type { Findings } from './reader';
import type { Config, WebConfig } from './types';
import { directoryMissing, fileMissing, shownPath } from './paths';
import { dummyListenerUsed } from './validate-safety';

/** Teller's five rules, in teller's order, with teller's texts; then the TLS files. */
export function validateWeb(w: WebConfig, cwd: string, f: Findings): void {
  const has = (s: string): boolean => s !== '';
  const rules: [broken: boolean, message: string][] = [
    [!has(w.http_addr) && !has(w.https_addr), 'at least one of web.http_addr, web.https_addr must be set'],
    [
      has(w.https_addr) && !has(w.auto_tls_host) && (!has(w.tls_cert) || !has(w.tls_key)),
      'when using web.https_addr, either web.auto_tls_host or both web.tls_cert and web.tls_key must be set',
    ],
    [has(w.tls_cert) !== has(w.tls_key), 'web.tls_cert and web.tls_key must be set or unset together'],
    [
      has(w.auto_tls_host) && (has(w.tls_key) || has(w.tls_cert)),
      'either use web.auto_tls_host or both web.tls_key and web.tls_cert',
    ],
    [
      !has(w.https_addr) && (has(w.auto_tls_host) || has(w.tls_key) || has(w.tls_cert)),
      'web.auto_tls_host or web.tls_key or web.tls_cert is set but web.https_addr is not enabled',
    ],
  ];
  for (const [broken, message] of rules) if (broken) f.problems.push(message);
  for (const [key, file] of [
    ['web.tls_cert', w.tls_cert],
    ['web.tls_key', w.tls_key],
  ] as const) {
    if (has(file) && fileMissing(cwd, file))
      f.problems.push(`${key} file does not exist: ${shownPath(cwd, file)}`);
  }
  // Not fatal (teller served 404s), but a daemon started from the wrong directory should say so.
  if (has(w.static_dir) && directoryMissing(cwd, w.static_dir)) {
    f.warnings.push(
      `web.static_dir: no such directory: ${shownPath(cwd, w.static_dir)}; the buyer page and dashboard answer 404`,
    );
  }
}

/** `host:port`, `:port`, `[::1]:port`; port 0 (any free port) is allowed, for tests. */
const HOST_PORT = /^(\[[0-9a-fA-F:.%\w]+\]|[^\s:[\]/]*):(\d{1,5})$/;

export function isHostPort(s: string): boolean {
  const m = HOST_PORT.exec(s);
  return m !== null && Number(m[2]) <= 65535;
}

/** Every listen address that will be used must be host:port (Go's net.Listen syntax). */
export function validateListeners(c: Config, f: Findings): void {
  const dummy = dummyListenerUsed(c);
  const listeners: [key: string, addr: string, used: boolean][] = [
    ['web.http_addr', c.web.http_addr, c.web.http_addr !== ''],
    ['web.https_addr', c.web.https_addr, c.web.https_addr !== ''],
    ['admin_panel.host', c.admin_panel.host, c.admin_panel.host !== ''],
    ['dummy.http_addr', c.dummy.http_addr, dummy],
    ['metrics.http_addr', c.metrics.http_addr, c.metrics.http_addr !== ''],
  ];
  for (const [key, addr, used] of listeners) {
    if (used && !isHostPort(addr)) f.problems.push(`${key} must be host:port, got "${addr}"`);
  }
}
