/**
 * Loopback names and addresses, for the listeners that only the operator's own machine may reach
 * (admin, dummy): `localhost`, 127.0.0.0/8 and ::1. Anything else, including names that happen to
 * resolve to a loopback address, is treated as reachable from elsewhere.
 */

const IPV4_LOOPBACK = /^127\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

/** A host name or IP literal (IPv6 with or without brackets), without a port. */
export function isLoopbackHost(host: string): boolean {
  const h = host.toLowerCase().replace(/^\[(.*)\]$/, '$1');
  if (h === 'localhost' || h === '::1' || h === '0:0:0:0:0:0:0:1') return true;
  const m = IPV4_LOOPBACK.exec(h);
  return m !== null && m.slice(1).every((octet) => Number(octet) <= 255);
}

/**
 * Splits an HTTP `Host` header (`name`, `name:port`, `[v6]`, `[v6]:port`) into its host and port
 * ('' when absent); null for anything else.
 */
export function splitHostHeader(value: string): { host: string; port: string } | null {
  const m = /^(\[[0-9a-fA-F:.]+\]|[^\s:[\]/@]+)(?::(\d{1,5}))?$/.exec(value);
  return m === null ? null : { host: m[1].toLowerCase(), port: m[2] ?? '' };
}
