import { baseFilesCheck, DUMMY_BASE, EVM_PAYOUT, merge, REAL_BASE, type TomlTable } from './helpers';

/**
 * DESIGN.md "Safety rules" in the config: a listener beyond loopback needs a token; dummy parts
 * only run with other dummy parts (issue 15 items 1 and 2). Every case names the key at fault.
 */

const { check } = baseFilesCheck();
const problems = (t: TomlTable): string[] => check(t).problems;
const TOKEN = '0123456789abcdef';
const PASSTHROUGH = (exchange: string): TomlTable => ({
  sky_exchanger: { buy_method: 'passthrough', passthrough: { exchange, api_key: 'k', secret: 's' } },
});

describe('dummy parts with real ones', () => {
  it.each<[string, TomlTable, string]>([
    [
      'a dummy scanner with the Skycoin node sender',
      merge(DUMMY_BASE, { dummy: { sender: false }, sky_exchanger: { wallet: 'hot.wlt' } }),
      'dummy.sender',
    ],
    [
      'a dummy scanner with an EVM keystore sender',
      merge(merge(DUMMY_BASE, EVM_PAYOUT), { dummy: { sender: false } }),
      'payout.evm.keystore',
    ],
    [
      'the simulated exchange with a real sender',
      merge(REAL_BASE, PASSTHROUGH('simulated')),
      'sky_exchanger.passthrough.exchange = "simulated" needs dummy.sender = true',
    ],
    [
      'a dummy scanner buying on a real exchange',
      merge(DUMMY_BASE, PASSTHROUGH('binance')),
      'dummy.scanner = true cannot be used with sky_exchanger.passthrough.exchange = "binance"',
    ],
  ])('%s is a problem', (_name, t, text) => {
    const found = problems(t);
    expect(found).toHaveLength(1);
    expect(found[0]).toContain(text);
  });

  it.each<[string, TomlTable]>([
    ['all dummy', DUMMY_BASE],
    ['a real scanner with the dummy sender', merge(REAL_BASE, { dummy: { sender: true } })],
    ['the simulated exchange with the dummy sender', merge(DUMMY_BASE, PASSTHROUGH('simulated'))],
    ['all real, on a real exchange', merge(REAL_BASE, PASSTHROUGH('binance'))],
    ['all real, direct (the default simulated exchange is not used)', REAL_BASE],
  ])('%s is fine', (_name, t) => {
    expect(problems(t)).toEqual([]);
  });
});

describe('listeners beyond loopback', () => {
  it.each<[string, TomlTable, string[]]>([
    [
      'admin on every interface',
      merge(DUMMY_BASE, { admin_panel: { host: ':7711' } }),
      ['admin_panel.token must be set: admin_panel.host ":7711" listens beyond loopback'],
    ],
    [
      'admin on a LAN address',
      merge(DUMMY_BASE, { admin_panel: { host: '192.168.1.5:7711' } }),
      ['admin_panel.token must be set'],
    ],
    [
      'dummy on [::]',
      merge(DUMMY_BASE, { dummy: { http_addr: '[::]:4121' } }),
      ['dummy.token must be set: dummy.http_addr "[::]:4121" listens beyond loopback'],
    ],
    [
      'the simulated exchange runs the dummy listener too',
      merge(merge(REAL_BASE, PASSTHROUGH('simulated')), { dummy: { sender: true, http_addr: ':4121' } }),
      ['dummy.token must be set'],
    ],
    [
      'allowed hosts without a token',
      merge(DUMMY_BASE, { admin_panel: { allowed_hosts: ['admin.example'] } }),
      ['admin_panel.token must be set when admin_panel.allowed_hosts lets other host names in'],
    ],
    [
      'a short dummy token',
      merge(DUMMY_BASE, { dummy: { token: 'short' } }),
      ['dummy.token must be at least 16 characters'],
    ],
    [
      'a URL as an allowed host',
      merge(DUMMY_BASE, { admin_panel: { token: TOKEN, allowed_hosts: ['https://admin.example/'] } }),
      ['admin_panel.allowed_hosts[0] must be a host name or host:port'],
    ],
  ])('%s', (_name, t, texts) => {
    const found = problems(t);
    expect(found).toHaveLength(texts.length);
    texts.forEach((text, i) => expect(found[i]).toContain(text));
  });

  it.each<[string, TomlTable]>([
    [
      'loopback names',
      merge(DUMMY_BASE, { admin_panel: { host: 'localhost:7711' }, dummy: { http_addr: '127.0.0.2:1' } }),
    ],
    ['IPv6 loopback', merge(DUMMY_BASE, { admin_panel: { host: '[::1]:7711' } })],
    ['a token beyond loopback', merge(DUMMY_BASE, { admin_panel: { host: ':7711', token: TOKEN } })],
    ['admin off', merge(DUMMY_BASE, { admin_panel: { host: '' } })],
    [
      'allowed hosts with a token',
      merge(DUMMY_BASE, {
        admin_panel: { token: TOKEN, allowed_hosts: ['admin.example', 'ops.example:8443'] },
      }),
    ],
    ['dummy listener unused', merge(REAL_BASE, { dummy: { http_addr: ':4121' } })],
  ])('%s is fine', (_name, t) => {
    expect(problems(t)).toEqual([]);
  });
});
