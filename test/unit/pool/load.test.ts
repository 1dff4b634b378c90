import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PoolLoadError } from '../../../src/pool/errors';
import {
  isJsonPoolFile,
  loadPoolFile,
  parsePoolJson,
  parsePoolText,
  poolJsonKey,
  readPoolEntries,
} from '../../../src/pool/load';

const FIXTURES = join(__dirname, '../../fixtures/pool');
let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'pool-load-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const write = (name: string, content: string): string => {
  const file = join(dir, name);
  writeFileSync(file, content);
  return file;
};

function loadError(f: () => unknown): PoolLoadError {
  try {
    f();
  } catch (err) {
    if (err instanceof PoolLoadError) return err;
    throw err;
  }
  throw new Error('expected a PoolLoadError');
}

describe('text pool files', () => {
  it.each([
    ['LF', 'a\nb\n', ['a', 'b']],
    ['CRLF (teller kept the \\r)', 'a\r\nb\r\n', ['a', 'b']],
    ['no final newline', 'a\nb', ['a', 'b']],
    ['spaces and tabs around (teller kept them)', '  a \t\n\tb  \n', ['a', 'b']],
    ['comment lines', '# header\na\n   # indented\nb', ['a', 'b']],
    ['inline comments (teller kept them in the address)', 'a # note\nb#note\n', ['a', 'b']],
    ['blank and whitespace-only lines', '\n\na\n   \n\t\nb\n\n', ['a', 'b']],
    ['a UTF-8 byte order mark', '\uFEFFa\nb', ['a', 'b']],
    ['only comments', '# nothing\n\n', []],
    ['empty', '', []],
  ])('%s', (_name, text, expected) => {
    expect(parsePoolText(text).map((e) => e.address)).toEqual(expected);
  });

  it('keeps the 1-based line numbers of the file', () => {
    expect(parsePoolText('# c\n\na\r\n  # x\nb # y\n')).toEqual([
      { address: 'a', pos: 3 },
      { address: 'b', pos: 5 },
    ]);
  });

  it('loads a CRLF file with a BOM, comments and stray spaces', () => {
    expect(readPoolEntries(join(FIXTURES, 'btc-crlf.txt'), 'BTC')).toEqual([
      { address: '1LqBGSKuX5yYUonjxT5qGfpUsXKYYWeabA', pos: 3 },
      { address: '37VucYSaXLCAsxYyAPfbSi9eh4iEcbShgf', pos: 4 },
      { address: 'bc1qcr8te4kr609gcawutmrza0j4xv80jy8z306fyu', pos: 6 },
      { address: 'bc1p5cyxnuxmeuwuvkwfem96lqzszd02n6xdcjrs20cac6yqjjwudpxqkedrcr', pos: 7 },
    ]);
  });

  it('reads any extension but .json as text', () => {
    expect(loadPoolFile(write('pool.JSON', 'a\n'), 'BTC')).toEqual(['a']);
    expect(loadPoolFile(write('pool', 'a\n'), 'BTC')).toEqual(['a']);
    expect(isJsonPoolFile('x.json')).toBe(true);
    expect(isJsonPoolFile('x.json.txt')).toBe(false);
    expect(isJsonPoolFile('x.JSON')).toBe(false);
  });
});

describe('JSON pool files', () => {
  it.each([
    ['BTC', 'btc_addresses'],
    ['ETH', 'eth_addresses'],
    ['SKY', 'sky_addresses'],
  ] as const)('%s uses the key %s', (coin, key) => {
    expect(poolJsonKey(coin)).toBe(key);
    expect(parsePoolJson(JSON.stringify({ [key]: [' a ', 'b'], other: 1 }), coin, 'f.json')).toEqual([
      { address: 'a', pos: 0 },
      { address: 'b', pos: 1 },
    ]);
  });

  it('loads the fixture files', () => {
    expect(loadPoolFile(join(FIXTURES, 'btc.json'), 'BTC')).toHaveLength(4);
    expect(loadPoolFile(join(FIXTURES, 'eth.json'), 'ETH')).toHaveLength(3);
  });

  it('accepts a byte order mark', () => {
    expect(parsePoolJson('\uFEFF{"sky_addresses": ["a"]}', 'SKY', 'f.json')).toEqual([
      { address: 'a', pos: 0 },
    ]);
  });

  it('names the file and the key expected when the key is wrong (teller: an empty pool)', () => {
    const file = join(FIXTURES, 'eth-wrong-key.json');
    const err = loadError(() => loadPoolFile(file, 'ETH'));
    expect(err.code).toBe('pool_load');
    expect(err.message).toBe(
      `${file}: missing key "eth_addresses" (the ETH pool needs {"eth_addresses": [...]}; it has "btc_addresses")`,
    );
    expect(loadError(() => parsePoolJson('{}', 'BTC', 'f.json')).message).toContain('it is empty');
  });

  it.each([
    ['[]', 'f.json: expected a JSON object {"btc_addresses": [...]}, found an array'],
    ['null', 'f.json: expected a JSON object {"btc_addresses": [...]}, found null'],
    ['"x"', 'f.json: expected a JSON object {"btc_addresses": [...]}, found string'],
    ['{"btc_addresses": "a"}', 'f.json: "btc_addresses" must be an array of address strings, found string'],
    ['{"btc_addresses": {}}', 'f.json: "btc_addresses" must be an array of address strings, found object'],
    [
      '{"btc_addresses": ["a", 1, null, ["b"]]}',
      'f.json: btc_addresses[1]: expected an address string, found number\n' +
        'f.json: btc_addresses[2]: expected an address string, found null\n' +
        'f.json: btc_addresses[3]: expected an address string, found an array',
    ],
  ])('rejects %s', (text, message) => {
    expect(loadError(() => parsePoolJson(text, 'BTC', 'f.json')).message).toBe(message);
  });

  it("reports a syntax error with teller's words", () => {
    const err = loadError(() => parsePoolJson('{"btc_addresses": [', 'BTC', 'f.json'));
    expect(err.message).toMatch(/^f\.json: Decode loaded address json failed: /);
  });
});

describe('read errors', () => {
  it('name the coin and the file', () => {
    const file = join(dir, 'missing.txt');
    const err = loadError(() => loadPoolFile(file, 'SKY'));
    expect(err.message.startsWith(`cannot read the SKY address pool ${file}: `)).toBe(true);
    expect(err.message).toContain('ENOENT');
    expect(loadError(() => loadPoolFile(dir, 'BTC')).message).toContain('EISDIR');
  });
});
