import { createHash } from 'node:crypto';
import fc from 'fast-check';
import {
  Base58Error,
  decodeBase58,
  encodeBase58,
  isSkycoinAddress,
  skycoinAddressError,
  skycoinAddressFromPubKey,
} from '../../../src/chains/skycoin/address';

const hex = (h: string): Uint8Array => Uint8Array.from(Buffer.from(h, 'hex'));
const toHex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

/** Builds an address string from its parts (checksum computed unless given). */
function address(key: Uint8Array, version = 0, checksum?: Uint8Array): string {
  const body = Buffer.concat([key, Buffer.from([version])]);
  const sum = checksum ?? createHash('sha256').update(body).digest().subarray(0, 4);
  return encodeBase58(Buffer.concat([body, sum]));
}

const VALID = [
  '2VZu3rZozQ6nN37YSdj3EZJV7wSFVuLSm2X',
  't5apgjk4LvV9PQareTPzWkE88o1G5A55FW',
  'Z8LagGxLssTjL6RhK7TQx54vJUBDvAQnbr',
  '3EVczfCQ8A2RzsDPydevuBejTurpMsvPbY',
  '2cxNaLTxQcNZAhXk67yk6jqsj5RAzVDz7jx',
];

// skycoin's cipher/testsuite seed-0000.golden: public key → address (and the Bitcoin address of the key).
const GOLDEN: [pub: string, sky: string, btc: string][] = [
  [
    '03b79123b2a3100420b19cccbfc688aa39f510b8491b67bdd296a92a021a3d0d8e',
    'cfb24jWcms9pZtvEx3UjUuLPdT6rbx6r9M',
    '1GJ3vu6ZiskrnP7korsBVEanxb6fpqDjat',
  ],
  [
    '03e0298390270c0b67c62cc35b493503ae2b3e02d2d2e7711e03beb2b6f481115d',
    'nJUPS5CrLV2iBdMvdMzMiP7iA2dzumaWGc',
    '19oERjBzyoVEL3TTXgwGnNUJSchGgtUdbT',
  ],
  [
    '037a13b47233d512e123c180984a67571c6b0ed10c012351842846a4eb33b26e37',
    'UxnG3PoFvKtRuLu5nyFdb6eu6pu1SZadkR',
    '1BhEgmvmCi6h4hZBwdinzsKUfLkis9kNNR',
  ],
  [
    '0284eefe3f4d6500fb563b69d52c7cfdf3152a3394321cfe1dc8d1de1e2868e3f2',
    'SZRDLCVHyoP7Xo5FEnEw7ckibmitbNx25V',
    '12H3horKLC9LrXsi76jnPXwSYZPMeevank',
  ],
  [
    '02ddfd5d6c55293a925a7003bf23df040a91002f603c5db45c8605822f79caea01',
    '2hSc4vmw59H1FEfsRUQ3eqvkceAAv6nanQE',
    '1NVMPk58vCB2342Z6rUoH9yKA21V8Cm2ez',
  ],
  [
    '0243e58f57f152aceda76daef9332f9ef9f844e4ef5c1b15685359d0d0dfa07799',
    '5vbcxd6wjxfVaa2rYqHXXYkW5cjFLmh8BS',
    '1DkRWzpE2mEeGujNTGqpTv5mpehpruwc1L',
  ],
  [
    '0286b5204bdac7367a78f615f9cdfeb560fa36a7e2c9cd87d7193fb6dbd856a403',
    '2ACC9xnasQo1uuJQiZwyxtLnCBxMACcZ5HA',
    '1CXd26Qi9HVppUWiuKeFnbMMWe2nsjJAPv',
  ],
  [
    '029453f88f667c4f636d2461e03fdb8edd01376bf04c0f67ecdac93c38eb869f47',
    'kaVexneJnxkAbJMmmStgksNmJnZLC426Cm',
    '1FvmRnMsPnDJarJham71cgYy8PeBo7NkZo',
  ],
];

describe('skycoinAddressError', () => {
  test.each([...VALID, ...GOLDEN.map(([, sky]) => sky)])('%s is valid', (addr) => {
    expect(skycoinAddressError(addr)).toBeNull();
    expect(isSkycoinAddress(addr)).toBe(true);
  });

  const A = 'Z8LagGxLssTjL6RhK7TQx54vJUBDvAQnbr';
  test.each([
    // 1. a character outside the alphabet, wherever it is and whatever else is wrong
    ['0', 'Invalid base58 character'],
    ['O', 'Invalid base58 character'],
    ['I', 'Invalid base58 character'],
    ['l', 'Invalid base58 character'],
    ['\r', 'Invalid base58 character'],
    [' ', 'Invalid base58 character'],
    ['+', 'Invalid base58 character'],
    ['é', 'Invalid base58 character'],
    ['😀', 'Invalid base58 character'],
    ['\u0000', 'Invalid base58 character'],
    ['\uFFFD', 'Invalid base58 character'],
    [`${A}\r`, 'Invalid base58 character'],
    [`${A}\n`, 'Invalid base58 character'],
    [` ${A}`, 'Invalid base58 character'],
    [`${A} `, 'Invalid base58 character'],
    [`000${A}`, 'Invalid base58 character'],
    [`${A}000`, 'Invalid base58 character'],
    [A.replace('L', 'l'), 'Invalid base58 character'],
    [A.replace('G', 'O'), 'Invalid base58 character'],
    ['0x4fd76659c9306a403dbaac17bf927d3380ed4ef5', 'Invalid base58 character'],
    ['111l', 'Invalid base58 character'],
    [`${'z'.repeat(100)}0`, 'Invalid base58 character'],
    // 2. empty or only 1s
    ['', 'Invalid base58 string'],
    ['1', 'Invalid base58 string'],
    ['111', 'Invalid base58 string'],
    ['1'.repeat(25), 'Invalid base58 string'], // the 25 zero bytes of a null address
    ['1'.repeat(1000), 'Invalid base58 string'],
    // 3. not 25 bytes
    ['2', 'Invalid address length'],
    ['cascs', 'Invalid address length'],
    ['abc', 'Invalid address length'],
    [A.slice(0, -2), 'Invalid address length'],
    [A.slice(0, -1), 'Invalid version'], // 0x4f…/58 still needs 25 bytes
    [`${A}2`, 'Invalid address length'],
    [`1${A}`, 'Invalid address length'],
    [`${'1'.repeat(26)}2`, 'Invalid address length'],
    ['z'.repeat(41), 'Invalid address length'],
    ['z'.repeat(35), 'Invalid address length'],
    // 4. version byte (checked before the checksum)
    ['Z8LagGxLssTjL6RhK7TQx54vJUBDyWkKkp', 'Invalid version'],
    ['Z8LagGxLssTjL6RhK7TQx54vJUBDyVGLUU', 'Invalid version'],
    ['1PZ63K3G4gZP6A6E2TTbBwxT5bFQGL2TLB', 'Invalid version'],
    [address(new Uint8Array(20), 1), 'Invalid version'],
    [address(new Uint8Array(20).fill(0xff), 0x80, new Uint8Array(4)), 'Invalid version'],
    // 5. checksum
    ['Z8LagGxLssTjL6RhK7TQx54vJUBDvBtmtC', 'Invalid checksum'],
    [address(new Uint8Array(20), 0, hex('00000001')), 'Invalid checksum'],
    [address(hex('4fd76659c9306a403dbaac17bf927d3380ed4ef5'), 0, hex('fe5d5580')), 'Invalid checksum'],
  ])('%j → %s', (addr, reason) => {
    expect(skycoinAddressError(addr)).toBe(reason);
    expect(isSkycoinAddress(addr)).toBe(false);
  });

  test.each(GOLDEN.map(([, , btc]) => btc))('Bitcoin address %s is refused', (btc) => {
    // Bitcoin puts the version first, so byte 20 is the last byte of the key hash.
    expect(skycoinAddressError(btc)).toBe('Invalid version');
  });

  test('leading zero bytes of the key hash are leading 1s', () => {
    const zeroKey = address(new Uint8Array(20));
    expect(zeroKey.startsWith('1'.repeat(21))).toBe(true);
    expect(skycoinAddressError(zeroKey)).toBeNull();
    expect(skycoinAddressError(address(hex('0000ff00000000000000000000000000000000ff')))).toBeNull();
  });

  test('a megabyte-long candidate is answered without decoding it', () => {
    expect(skycoinAddressError('z'.repeat(1_000_000))).toBe('Invalid address length');
    expect(skycoinAddressError(`${'1'.repeat(500_000)}2`)).toBe('Invalid address length');
  });

  test('any 20-byte key with version 0 and its checksum is valid; a flipped bit is not', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 20, maxLength: 20 }), fc.nat(199), (key, bit) => {
        const addr = address(key);
        expect(skycoinAddressError(addr)).toBeNull();
        const raw = Buffer.from(decodeBase58(addr));
        raw[Math.floor(bit / 8)] ^= 1 << (bit % 8);
        const reason = bit >= 160 && bit < 168 ? 'Invalid version' : 'Invalid checksum';
        expect(skycoinAddressError(encodeBase58(raw))).toBe(reason);
      }),
    );
  });
});

describe('skycoinAddressFromPubKey', () => {
  test.each(GOLDEN)('%s → %s', (pub, sky) => {
    expect(skycoinAddressFromPubKey(hex(pub))).toBe(sky);
  });

  test('the key hash is ripemd160(sha256(sha256(pubkey))), not Bitcoin hash160', () => {
    const [pub, sky] = GOLDEN[0];
    const sha = (b: Uint8Array): Buffer => createHash('sha256').update(b).digest();
    const keyHash = createHash('ripemd160')
      .update(sha(sha(hex(pub))))
      .digest();
    expect(toHex(decodeBase58(sky).subarray(0, 20))).toBe(toHex(keyHash));
  });

  test('refuses a key that is not 33 bytes', () => {
    expect(() => skycoinAddressFromPubKey(new Uint8Array(32))).toThrow(RangeError);
    expect(() => skycoinAddressFromPubKey(new Uint8Array(65))).toThrow('public key must be 33 bytes, got 65');
  });
});

describe('base58', () => {
  // Bitcoin Core's base58_encode_decode.json.
  const VECTORS: [string, string][] = [
    ['61', '2g'],
    ['626262', 'a3gV'],
    ['636363', 'aPEr'],
    ['73696d706c792061206c6f6e6720737472696e67', '2cFupjhnEsSn59qHXstmK2ffpLv2'],
    ['00eb15231dfceb60925886b67d065299925915aeb172c06647', '1NS17iag9jJgTHD1VXjvLCEnZuQ3rJDE9L'],
    ['516b6fcd0f', 'ABnLTmg'],
    ['bf4f89001e670274dd', '3SEo3LWLoPntC'],
    ['572e4794', '3EFU7m'],
    ['ecac89cad93923c02321', 'EJDM8drfXA6uyA'],
    ['10c8511e', 'Rt5zm'],
  ];
  test.each(VECTORS)('%s ↔ %s', (h, s) => {
    expect(encodeBase58(hex(h))).toBe(s);
    expect(toHex(decodeBase58(s))).toBe(h);
  });

  test('zero bytes encode as 1s, which skycoin refuses to decode', () => {
    expect(encodeBase58(new Uint8Array(0))).toBe('');
    expect(encodeBase58(new Uint8Array(10))).toBe('1111111111');
    expect(() => decodeBase58('1111111111')).toThrow(new Base58Error('Invalid base58 string'));
    expect(() => decodeBase58('')).toThrow('Invalid base58 string');
    expect(() => decodeBase58('abc0')).toThrow('Invalid base58 character');
    expect(toHex(decodeBase58('11z'))).toBe('000039');
  });

  test('decodeBase58(encodeBase58(b)) = b for any bytes not all zero', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 64 }).filter((b) => b.some((x) => x !== 0)),
        (b) => {
          expect(toHex(decodeBase58(encodeBase58(b)))).toBe(toHex(b));
        },
      ),
    );
  });

  test('encodeBase58(decodeBase58(s)) = s for any alphabet string not all 1s', () => {
    const alphabet = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz'.split('');
    const s = fc
      .array(fc.constantFrom(...alphabet), { minLength: 1, maxLength: 50 })
      .map((a) => a.join(''))
      .filter((x) => /[^1]/.test(x));
    fc.assert(
      fc.property(s, (x) => {
        expect(encodeBase58(decodeBase58(x))).toBe(x);
      }),
    );
  });
});
