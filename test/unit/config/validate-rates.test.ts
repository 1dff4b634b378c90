import { baseFilesCheck, DUMMY_BASE, merge, REAL_BASE, type TomlTable } from './helpers';

/** `[[market_rates]]` (issue 20): each problem names its key; a problem is exit 2 (ConfigError). */

const { check } = baseFilesCheck();
const market = (base: TomlTable, ...tables: TomlTable[]) => check(merge(base, { market_rates: tables }));
const SIM = { coin: 'BTC', sources: ['simulated'] };
const CCXT = { coin: 'BTC', sources: ['binance'], symbol: 'SKY/BTC' };

it('a valid simulated table in dummy mode and a ccxt one with a real sender: no problem', () => {
  expect(market(DUMMY_BASE, SIM)).toEqual({ problems: [], warnings: [] });
  expect(
    market(REAL_BASE, { ...CCXT, spread_percent: '1.5', max_age: '5m', poll_interval: '1m' }).problems,
  ).toEqual([]);
});

it.each<[string, TomlTable, TomlTable[], string[]]>([
  ['coin missing', DUMMY_BASE, [{ sources: ['simulated'] }], ['market_rates[0].coin missing']],
  [
    'coin unknown',
    DUMMY_BASE,
    [{ ...SIM, coin: 'DOGE' }],
    ['market_rates[0].coin DOGE is not a deposit coin (BTC, ETH, SKY)'],
  ],
  ['coin twice', DUMMY_BASE, [SIM, SIM], ['market_rates[1].coin BTC is listed twice']],
  ['no source', DUMMY_BASE, [{ coin: 'BTC' }], ['market_rates[0].sources: name at least one price source']],
  [
    'simulated without the dummy sender',
    REAL_BASE,
    [SIM],
    [
      "market_rates[0].sources: a simulated source's price is set over the dummy API; it needs dummy.sender = true",
    ],
  ],
  [
    'ccxt without a symbol',
    REAL_BASE,
    [{ ...CCXT, symbol: '' }],
    ['market_rates[0].symbol missing (the ccxt market, such as "SKY/BTC")'],
  ],
  [
    'symbol without the coin',
    REAL_BASE,
    [{ ...CCXT, symbol: 'SKY/ETH' }],
    ['market_rates[0].symbol must be BASE/QUOTE with BTC on one side, got "SKY/ETH"'],
  ],
  [
    'spread of 100%',
    DUMMY_BASE,
    [{ ...SIM, spread_percent: '100' }],
    ['market_rates[0].spread_percent must be below 100'],
  ],
  [
    'poll not shorter than max_age',
    DUMMY_BASE,
    [{ ...SIM, poll_interval: '2m' }],
    ['market_rates[0].poll_interval must be shorter than max_age (prices would go stale between polls)'],
  ],
  [
    'max_age 0',
    DUMMY_BASE,
    [{ ...SIM, max_age: '0s', poll_interval: '0s' }],
    ['market_rates[0].max_age must be more than 0', 'market_rates[0].poll_interval must be more than 0'],
  ],
  [
    'negative spread',
    DUMMY_BASE,
    [{ ...SIM, spread_percent: '-1' }],
    ['market_rates[0].spread_percent: expected a non-negative decimal such as "0", got a string ("-1")'],
  ],
  [
    'a misspelt key',
    DUMMY_BASE,
    [{ ...SIM, spread_percnt: '1' }],
    ['market_rates[0].spread_percnt: unknown key; did you mean spread_percent?'],
  ],
])('%s', (_name, base, tables, problems) => {
  expect(market(base, ...tables).problems).toEqual(problems);
});
