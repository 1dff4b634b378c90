import v8, { deserialize, serialize } from 'node:v8';
import { decodeValue, encodeValue } from '../../../src/store/codec';

const INT32_EDGES = [0, 1, -1, 63, 64, -64, -65, 8191, 8192, 2 ** 31 - 1, -(2 ** 31)];
const OTHER_NUMBERS = [2 ** 31, -(2 ** 31) - 1, 2 ** 53, 1.5, -0, Number.NaN, Infinity, 1796637432];
const STRINGS = [
  '',
  'a',
  'BTC!bc1qcw3ajps5tfdl86rawstcqfwauv7j8a6d64egc2',
  'x'.repeat(200),
  'café ÿ',
  '€',
  '日本',
  '😀',
];

describe('store codec', () => {
  it('writes what v8.deserialize reads back as the same value, whatever the value', () => {
    const values: unknown[] = [
      ...INT32_EDGES,
      ...OTHER_NUMBERS,
      ...STRINGS,
      { sky_address: 'Zk', seq: 3, value: 10n ** 20n, ok: true, list: [1, 'a'] },
      null,
      12345678901234567890n,
    ];
    for (const v of values) {
      expect(deserialize(encodeValue(v))).toEqual(v);
      expect(decodeValue(encodeValue(v))).toEqual(v);
      // And what v8.serialize wrote (stores written before the fast paths) reads the same.
      expect(decodeValue(serialize(v))).toEqual(v);
    }
  });

  it('writes one-byte strings and 32-bit integers without a v8 serializer, byte for byte as it would', () => {
    const serializers = jest.spyOn(v8, 'serialize');
    try {
      for (const s of STRINGS.filter((x) => [...x].every((c) => c.charCodeAt(0) <= 0xff)))
        expect(Buffer.from(encodeValue(s))).toEqual(serialize(s));
      for (const n of INT32_EDGES) expect(Buffer.from(encodeValue(n))).toEqual(serialize(n));
      const calls = serializers.mock.calls.length;
      for (let i = 0; i < 100; i++) encodeValue(i % 2 === 0 ? `key-${i}` : i);
      expect(serializers.mock.calls.length).toBe(calls);
    } finally {
      serializers.mockRestore();
    }
  });

  it('reads a one-byte string or a 32-bit integer without a v8 deserializer', () => {
    const deserializers = jest.spyOn(v8, 'deserialize');
    try {
      for (const v of [...INT32_EDGES, 'BTC!addr', '', 'ÿ'.repeat(300)])
        expect(decodeValue(serialize(v))).toBe(v);
      expect(deserializers).not.toHaveBeenCalled();
      // Anything else, or framing that does not add up, goes to v8.deserialize.
      expect(decodeValue(serialize(2 ** 40))).toBe(2 ** 40);
      expect(deserializers).toHaveBeenCalledTimes(1);
    } finally {
      deserializers.mockRestore();
    }
  });
});
