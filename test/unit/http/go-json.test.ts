import fc from 'fast-check';
import { STATUSES } from '../../../src/core/deposit';
import {
  decodeGoStruct,
  decodeGoUtf8,
  encodeGoJson,
  encodeRowsBody,
  encodeStatusBody,
  GoJsonError,
  goJsonMapKeysSorted,
  quoteChar,
  type GoField,
} from '../../../src/http/go-json';

const FIELDS: GoField[] = [
  { name: 'skyaddr', type: 'string' },
  { name: 'coin_type', type: 'string' },
];
const TYPE = 'teller.bindRequest';
const decode = (body: string | Uint8Array): Record<string, string> | null =>
  decodeGoStruct(body, TYPE, FIELDS);
const bytes = (...parts: (string | number[])[]): Uint8Array =>
  Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p, 'utf8') : Buffer.from(p))));

function errorOf(body: string | Uint8Array): string {
  try {
    decode(body);
  } catch (err) {
    if (err instanceof GoJsonError) return err.message;
    throw err;
  }
  throw new Error(`no error for ${JSON.stringify(body)}`);
}

const typeErr = (kind: string): string =>
  `json: cannot unmarshal ${kind} into Go value of type teller.bindRequest`;
const fieldErr = (kind: string, field: string): string =>
  `json: cannot unmarshal ${kind} into Go struct field bindRequest.${field} of type string`;

describe('decodeGoStruct: end of input', () => {
  test.each([
    ['', 'EOF'],
    ['   ', 'EOF'],
    [' \t\r\n ', 'EOF'],
    ['{', 'unexpected EOF'],
    ['  {  ', 'unexpected EOF'],
    ['{"skyaddr"', 'unexpected EOF'],
    ['{"skyaddr":', 'unexpected EOF'],
    ['{"skyaddr":"ab', 'unexpected EOF'],
    ['{"skyaddr":"ab\\', 'unexpected EOF'],
    ['{"skyaddr":"\\u12', 'unexpected EOF'],
    ['{"skyaddr":"a",', 'unexpected EOF'],
    ['{"skyaddr":"a"\n', 'unexpected EOF'],
    ['{"a":1', 'unexpected EOF'],
    ['{"a":[1,2', 'unexpected EOF'],
    ['[', 'unexpected EOF'],
    ['"abc', 'unexpected EOF'],
    ['tru', 'unexpected EOF'],
    ['f', 'unexpected EOF'],
    ['nul', 'unexpected EOF'],
    ['-', 'unexpected EOF'],
    ['1.', 'unexpected EOF'],
    ['1e', 'unexpected EOF'],
    ['1e+', 'unexpected EOF'],
    ['{"skyaddr":1', 'unexpected EOF'], // an unfinished value: the type error is never reached
  ])('%j → %s', (body, message) => {
    expect(errorOf(body)).toBe(message);
  });
});

describe('decodeGoStruct: syntax errors', () => {
  test.each([
    ['{b}', "invalid character 'b' looking for beginning of object key string"],
    ['{,}', "invalid character ',' looking for beginning of object key string"],
    ['{"a":1,}', "invalid character '}' looking for beginning of object key string"],
    ["{'skyaddr':'x'}", "invalid character '\\'' looking for beginning of object key string"],
    ['{1:2}', "invalid character '1' looking for beginning of object key string"],
    ['x', "invalid character 'x' looking for beginning of value"],
    ['  x', "invalid character 'x' looking for beginning of value"],
    ['}', "invalid character '}' looking for beginning of value"],
    [']', "invalid character ']' looking for beginning of value"],
    ['{"a":}', "invalid character '}' looking for beginning of value"],
    ['[1,]', "invalid character ']' looking for beginning of value"],
    ['{"a":+1}', "invalid character '+' looking for beginning of value"],
    ['{"a":.5}', "invalid character '.' looking for beginning of value"],
    ['{"a":undefined}', "invalid character 'u' looking for beginning of value"],
    ['{"a":NaN}', "invalid character 'N' looking for beginning of value"],
    ['{"skyaddr" "x"}', "invalid character '\"' after object key"],
    ['{"skyaddr"}', "invalid character '}' after object key"],
    ['{"skyaddr":"a" "coin_type":"BTC"}', "invalid character '\"' after object key:value pair"],
    ['{"skyaddr":"a";}', "invalid character ';' after object key:value pair"],
    ['{"a":01}', "invalid character '1' after object key:value pair"],
    ['{"a":-01}', "invalid character '1' after object key:value pair"],
    ['{"a":1]', "invalid character ']' after object key:value pair"],
    ['[1 2]', "invalid character '2' after array element"],
    ['[1}', "invalid character '}' after array element"],
    ['{"skyaddr":"\\x"}', "invalid character 'x' in string escape code"],
    ['{"skyaddr":"\\U0041"}', "invalid character 'U' in string escape code"],
    ['{"skyaddr":"\\\'"}', "invalid character '\\'' in string escape code"],
    ['{"skyaddr":"\\u12G4"}', "invalid character 'G' in \\u hexadecimal character escape"],
    ['{"skyaddr":"\\u"}', "invalid character '\"' in \\u hexadecimal character escape"],
    ['{"skyaddr":"a\tb"}', "invalid character '\\t' in string literal"],
    ['{"skyaddr":"a\nb"}', "invalid character '\\n' in string literal"],
    ['{"skyaddr":"\u0001"}', "invalid character '\\x01' in string literal"],
    ['{"skyaddr":"\u001f"}', "invalid character '\\x1f' in string literal"],
    ['{"a":tx}', "invalid character 'x' in literal true (expecting 'r')"],
    ['tRUE', "invalid character 'R' in literal true (expecting 'r')"],
    ['trUe', "invalid character 'U' in literal true (expecting 'u')"],
    ['tru ', "invalid character ' ' in literal true (expecting 'e')"],
    ['fals3', "invalid character '3' in literal false (expecting 'e')"],
    ['fxlse', "invalid character 'x' in literal false (expecting 'a')"],
    ['[fa]', "invalid character ']' in literal false (expecting 'l')"],
    ['{"a":fal}', "invalid character '}' in literal false (expecting 's')"],
    ['nil', "invalid character 'i' in literal null (expecting 'u')"],
    ['nUll', "invalid character 'U' in literal null (expecting 'u')"],
    ['nul1', "invalid character '1' in literal null (expecting 'l')"],
    ['{"a":-}', "invalid character '}' in numeric literal"],
    ['-x', "invalid character 'x' in numeric literal"],
    ['--1', "invalid character '-' in numeric literal"],
    ['{"a":1.}', "invalid character '}' after decimal point in numeric literal"],
    ['1.e5', "invalid character 'e' after decimal point in numeric literal"],
    ['{"a":1e}', "invalid character '}' in exponent of numeric literal"],
    ['1e+-2', "invalid character '-' in exponent of numeric literal"],
    ['[1E.]', "invalid character '.' in exponent of numeric literal"],
    ['\uFEFF{}', "invalid character 'ï' looking for beginning of value"],
    ['\\', "invalid character '\\\\' looking for beginning of value"],
    ['\u0000', "invalid character '\\x00' looking for beginning of value"],
    ['\u0007', "invalid character '\\a' looking for beginning of value"],
    ['\b', "invalid character '\\b' looking for beginning of value"],
    ['\u000b{}', "invalid character '\\v' looking for beginning of value"],
    ['\f{}', "invalid character '\\f' looking for beginning of value"],
    ['\u007f', "invalid character '\\x7f' looking for beginning of value"],
    ['é', "invalid character 'Ã' looking for beginning of value"],
    ['\u00a0{}', "invalid character 'Â' looking for beginning of value"],
    ['{"a":1,"b":[1,{"c":[}]]}', "invalid character '}' looking for beginning of value"],
    // A syntax error anywhere in the first value wins over an earlier type error.
    ['{"skyaddr":1,"coin_type":x}', "invalid character 'x' looking for beginning of value"],
    ['{"skyaddr":{"a":}}', "invalid character '}' looking for beginning of value"],
    ['{"skyaddr":[1,2,,]}', "invalid character ',' looking for beginning of value"],
  ])('%j → %s', (body, message) => {
    expect(errorOf(body)).toBe(message);
  });

  test.each([
    [[0x80], "'\\u0080'"],
    [[0x9f], "'\\u009f'"],
    [[0xa0], "'\\u00a0'"],
    [[0xad], "'\\u00ad'"],
    [[0xa1], "'¡'"],
    [[0xff], "'ÿ'"],
    [[0xef, 0xbb, 0xbf], "'ï'"],
  ])('raw byte %j is quoted as Go quoteChar does (%s)', (raw, quoted) => {
    expect(errorOf(bytes(raw))).toBe(`invalid character ${quoted} looking for beginning of value`);
  });

  test('nesting deeper than 10000 is a syntax error, as in Go', () => {
    expect(errorOf('['.repeat(10001))).toBe("invalid character '[' exceeded max depth");
    expect(errorOf(`{"a":${'{"a":'.repeat(10000)}`)).toBe("invalid character '{' exceeded max depth");
    expect(errorOf('['.repeat(10000))).toBe('unexpected EOF');
    expect(errorOf(`${'['.repeat(10000)}${']'.repeat(10000)}`)).toBe(typeErr('array'));
  });
});

describe('decodeGoStruct: type errors', () => {
  test.each([
    ['[]', typeErr('array')],
    ['[1,2]', typeErr('array')],
    ['"x"', typeErr('string')],
    ['1', typeErr('number')],
    ['-0.5e+3', typeErr('number')],
    ['0', typeErr('number')],
    ['01', typeErr('number')], // the value is `0`; the rest is never read
    ['123abc', typeErr('number')],
    ['0x10', typeErr('number')],
    [' 1 2', typeErr('number')],
    ['true', typeErr('bool')],
    ['false', typeErr('bool')],
    ['"abc"garbage', typeErr('string')],
    ['{"skyaddr":1}', fieldErr('number', 'skyaddr')],
    ['{"skyaddr":-0}', fieldErr('number', 'skyaddr')],
    ['{"skyaddr":1.5e10}', fieldErr('number', 'skyaddr')],
    ['{"skyaddr":true}', fieldErr('bool', 'skyaddr')],
    ['{"skyaddr":false}', fieldErr('bool', 'skyaddr')],
    ['{"skyaddr":{}}', fieldErr('object', 'skyaddr')],
    ['{"skyaddr":{"a":[1]}}', fieldErr('object', 'skyaddr')],
    ['{"skyaddr":[]}', fieldErr('array', 'skyaddr')],
    ['{"skyaddr":["x"]}', fieldErr('array', 'skyaddr')],
    ['{"coin_type":1}', fieldErr('number', 'coin_type')],
    ['{"coin_type":[1]}', fieldErr('array', 'coin_type')],
    ['{"COIN_TYPE":true}', fieldErr('bool', 'coin_type')], // the struct's name, not the key sent
    ['{"skyaddr":1,"coin_type":true}', fieldErr('number', 'skyaddr')], // the first one
    ['{"coin_type":true,"skyaddr":1}', fieldErr('bool', 'coin_type')],
    ['{"skyaddr":"ok","coin_type":{}}', fieldErr('object', 'coin_type')],
    ['{"skyaddr":1,"skyaddr":"x"}', fieldErr('number', 'skyaddr')], // a later good value does not clear it
    ['{"x":1,"skyaddr":[],"y":true}', fieldErr('array', 'skyaddr')],
    ['{"skyaddr":1} trailing', fieldErr('number', 'skyaddr')],
  ])('%j → %s', (body, message) => {
    expect(errorOf(body)).toBe(message);
  });

  test('the short struct name comes from the Go type name', () => {
    const call = (): unknown => decodeGoStruct('{"n":1}', 'main.req', [{ name: 'n', type: 'string' }]);
    expect(call).toThrow('json: cannot unmarshal number into Go struct field req.n of type string');
    expect(() => decodeGoStruct('[]', 'req', [])).toThrow(
      'json: cannot unmarshal array into Go value of type req',
    );
  });

  test('errors are GoJsonError (a TellerError with code invalid_json)', () => {
    try {
      decode('[');
      throw new Error('unreachable');
    } catch (err) {
      expect(err).toBeInstanceOf(GoJsonError);
      expect(err).toMatchObject({ code: 'invalid_json', name: 'GoJsonError', message: 'unexpected EOF' });
    }
  });
});

describe('decodeGoStruct: accepted input', () => {
  const ok = (skyaddr: string, coin_type = ''): Record<string, string> => ({ skyaddr, coin_type });
  test.each<[string | Uint8Array, Record<string, string> | null]>([
    ['{}', ok('')],
    [' \n{ }\t', ok('')],
    ['{"skyaddr":"A","coin_type":"BTC"}', ok('A', 'BTC')],
    ['{"coin_type":"BTC","skyaddr":"A"}', ok('A', 'BTC')],
    ['{"SKYADDR":"A","Coin_Type":"ETH"}', ok('A', 'ETH')],
    ['{"SkyAddr":"A","COIN_TYPE":"SKY"}', ok('A', 'SKY')],
    ['{"\u017fkyaddr":"A"}', ok('A')], // long s folds to s (Go 1.19 fold.go)
    ['{"\\u017fkyaddr":"A"}', ok('A')],
    ['{"s\u212ayaddr":"A"}', ok('A')], // Kelvin sign folds to k
    ['{"skyaddr ":"A"}', ok('')],
    ['{"coin-type":"A","cointype":"B","coin_typ":"C"}', ok('')],
    ['{"sky\\u0061ddr":"A"}', ok('A')],
    ['{"unknown":[1,{"a":null,"b":"}"}],"x":{"y":[]},"skyaddr":"A"}', ok('A')],
    ['{"other":1e5,"z":true,"n":null,"s":"\\"","skyaddr":"A"}', ok('A')],
    ['{"skyaddr":null}', ok('')],
    ['{"skyaddr":null,"coin_type":null}', ok('')],
    ['{"skyaddr":"a","skyaddr":"b"}', ok('b')],
    ['{"skyaddr":"a","SKYADDR":"b"}', ok('b')],
    ['{"skyaddr":"a","skyaddr":null}', ok('a')], // null leaves the field as it was
    ['{"skyaddr":"a"}{"skyaddr":"b"}', ok('a')],
    ['{"skyaddr":"a"} trailing garbage', ok('a')],
    ['{"skyaddr":"a"}}}]]', ok('a')],
    ['{"skyaddr":"a"}\u0000', ok('a')],
    ['{"skyaddr":"  padded\\t "}', ok('  padded\t ')],
    ['{"skyaddr":""}', ok('')],
    ['null', null],
    ['  null  ', null],
    ['nullx', null],
    ['null{', null],
    ['{"skyaddr":"a\\u0041\\n\\/\\"\\\\\\b\\f\\r\\t"}', ok('aA\n/"\\\b\f\r\t')],
    ['{"skyaddr":"\\u00e9\\u00E9é😀"}', ok('ééé😀')],
    ['{"skyaddr":"\\ud83d\\ude00"}', ok('😀')],
    ['{"skyaddr":"\\uD83D\\uDE00"}', ok('😀')],
    ['{"skyaddr":"\\ud83d"}', ok('\uFFFD')],
    ['{"skyaddr":"\\ud83dx"}', ok('\uFFFDx')],
    ['{"skyaddr":"\\ude00\\ud83d"}', ok('\uFFFD\uFFFD')],
    ['{"skyaddr":"\\ud83d\\u0041"}', ok('\uFFFDA')],
    ['{"skyaddr":"\\ud83d\\ud83d\\ude00"}', ok('\uFFFD😀')],
    ['{"skyaddr":"\\u0000"}', ok('\u0000')],
    ['{"skyaddr":"\u2028\u007f"}', ok('\u2028\u007f')],
    [
      bytes('{"skyaddr":"', [0xff, 0xe2, 0x82], 'A', [0xc0, 0xaf, 0xed, 0xa0, 0x80], '"}'),
      ok('\uFFFD'.repeat(8).replace(/^(.{3})/u, '$1A')),
    ],
    [bytes('{"skyaddr":"', [0xe2, 0x82, 0xac, 0xf0, 0x9f, 0x98, 0x80], '"}'), ok('€😀')],
    [bytes('{"skyaddr":"', [0xf4, 0x90, 0x80, 0x80], '"}'), ok('\uFFFD'.repeat(4))],
    [bytes('{"sky', [0xff], 'addr":"A"}'), ok('')],
    [bytes('{"skyaddr":"A"}', [0xff, 0xfe]), ok('A')],
  ])('%j', (body, expected) => {
    expect(decode(body)).toEqual(expected);
  });

  test('lone surrogates in a string body are encoded as U+FFFD before scanning', () => {
    expect(decode('{"skyaddr":"a\uD800b"}')).toEqual({ skyaddr: 'a\uFFFDb', coin_type: '' });
  });

  test('an exact key match is preferred over a case-insensitive one', () => {
    const fields: GoField[] = [
      { name: 'A', type: 'string' },
      { name: 'a', type: 'string' },
    ];
    expect(decodeGoStruct('{"a":"x"}', 'p.T', fields)).toEqual({ A: '', a: 'x' });
    expect(decodeGoStruct('{"A":"x"}', 'p.T', fields)).toEqual({ A: 'x', a: '' });
    expect(decodeGoStruct('{"\u212a":"x"}', 'p.T', [{ name: 'K', type: 'string' }])).toEqual({ K: 'x' });
  });

  test('a field named __proto__ is an ordinary key', () => {
    const out = decodeGoStruct('{"__proto__":"x"}', 'p.T', [{ name: '__proto__', type: 'string' }]);
    expect(Object.getOwnPropertyDescriptor(out, '__proto__')?.value).toBe('x');
  });

  test('a large body with a deep unknown value decodes', () => {
    const deep = `${'['.repeat(5000)}${']'.repeat(5000)}`;
    expect(decode(`{"x":${deep},"skyaddr":"${'a'.repeat(100000)}"}`)).toEqual(ok('a'.repeat(100000)));
  });
});

describe('decodeGoStruct: properties', () => {
  const anyBody = fc.oneof(
    fc.string({ unit: 'binary' }),
    fc.string({ unit: 'grapheme-ascii' }),
    fc.json(),
    fc.uint8Array({ maxLength: 64 }),
    fc
      .tuple(fc.json(), fc.nat(), fc.string({ maxLength: 3, unit: 'binary' }))
      .map(([j, at, ins]) => j.slice(0, at % (j.length + 1)) + ins + j.slice(at % (j.length + 1))),
    fc.record({ skyaddr: fc.jsonValue(), coin_type: fc.jsonValue() }).map((o) => JSON.stringify(o)),
  );

  test('never throws anything but GoJsonError', () => {
    fc.assert(
      fc.property(anyBody, (body) => {
        try {
          const out = decode(body);
          return out === null || (typeof out.skyaddr === 'string' && typeof out.coin_type === 'string');
        } catch (err) {
          return err instanceof GoJsonError;
        }
      }),
      { numRuns: 3000 },
    );
  });

  test('agrees with JSON.parse on what is syntactically valid', () => {
    fc.assert(
      fc.property(anyBody, (body) => {
        const text = typeof body === 'string' ? body : Buffer.from(body).toString('utf8');
        let parsed = true;
        try {
          JSON.parse(text);
        } catch {
          parsed = false; // the assertion below is the check
        }
        let syntaxError = false;
        try {
          decode(text);
        } catch (err) {
          syntaxError = err instanceof GoJsonError && !err.message.startsWith('json: cannot unmarshal');
        }
        // Go reads only the first value, so it may accept what JSON.parse rejects, never the reverse.
        return !(parsed && syntaxError);
      }),
      { numRuns: 3000 },
    );
  });

  test('decodes what JSON.stringify writes, like JSON.parse', () => {
    const value = fc.oneof(fc.string({ unit: 'binary' }), fc.constant(null), fc.constant(undefined));
    fc.assert(
      fc.property(value, value, fc.boolean(), (skyaddr, coin_type, upper) => {
        const key = upper ? 'SKYADDR' : 'skyaddr';
        const body = JSON.stringify({ junk: [1, { a: 'b' }], [key]: skyaddr, coin_type });
        const wellFormed = (s: string | null | undefined): string => (s ?? '').replace(/\p{Cs}/gu, '\uFFFD');
        expect(decode(body)).toEqual({ skyaddr: wellFormed(skyaddr), coin_type: wellFormed(coin_type) });
      }),
    );
  });
});

describe('quoteChar and decodeGoUtf8', () => {
  test.each([
    [0x27, "'\\''"],
    [0x22, "'\"'"],
    [0x5c, "'\\\\'"],
    [0x61, "'a'"],
    [0x20, "' '"],
    [0x0d, "'\\r'"],
    [0x1b, "'\\x1b'"],
    [0x85, "'\\u0085'"],
    [0xe9, "'é'"],
  ])('quoteChar(%i) = %s', (c, quoted) => {
    expect(quoteChar(c)).toBe(quoted);
  });

  test.each([
    [[0x41, 0xc3, 0xa9], 'Aé'],
    [[0xc3], '\uFFFD'],
    [[0xc3, 0x41], '\uFFFDA'],
    [[0xe2, 0x82, 0x41], '\uFFFD\uFFFDA'],
    [[0xed, 0xa0, 0x80], '\uFFFD\uFFFD\uFFFD'],
    [[0xe0, 0x80, 0x80], '\uFFFD\uFFFD\uFFFD'],
    [[0xf0, 0x8f, 0xbf, 0xbf], '\uFFFD\uFFFD\uFFFD\uFFFD'],
    [[0xf4, 0x8f, 0xbf, 0xbf], '\u{10FFFF}'],
    [[0xc1, 0xbf], '\uFFFD\uFFFD'],
    [[0xef, 0xbf, 0xbd], '\uFFFD'],
  ])('decodeGoUtf8(%j) = %j', (raw, text) => {
    expect(decodeGoUtf8(Uint8Array.from(raw))).toBe(text);
  });
});

describe('encodeGoJson', () => {
  test.each<[unknown, string]>([
    [{}, '{}'],
    [[], '[]'],
    [null, 'null'],
    ['x', '"x"'],
    [true, 'true'],
    [0, '0'],
    [-0, '0'],
    [42, '42'],
    [-7, '-7'],
    [1.5, '1.5'],
    [1e20, '100000000000000000000'],
    [1e21, '1e+21'],
    [1e-6, '0.000001'],
    [1e-7, '1e-7'],
    [123456789n * 10n ** 20n, '12345678900000000000000000000'],
    [-5n, '-5'],
    [{ a: [] }, '{\n    "a": []\n}'],
    [{ a: {} }, '{\n    "a": {}\n}'],
    [{ a: undefined, b: 1 }, '{\n    "b": 1\n}'],
    [{ a: undefined }, '{}'],
    [[undefined, 1], '[\n    null,\n    1\n]'],
    [[[1], [[]]], '[\n    [\n        1\n    ],\n    [\n        []\n    ]\n]'],
    ['<a href="x">&amp;</a>', '"\\u003ca href=\\"x\\"\\u003e\\u0026amp;\\u003c/a\\u003e"'],
    ['\u2028\u2029', '"\\u2028\\u2029"'],
    ['\n\r\t\b\f', '"\\n\\r\\t\\u0008\\u000c"'],
    ['\u0000\u0001\u001f', '"\\u0000\\u0001\\u001f"'],
    ['\\"/', '"\\\\\\"/"'],
    ['\u007f\u0080é😀\uFFFD', '"\u007f\u0080é😀\uFFFD"'],
    ['a\uD800b\uDC00', '"a\\ufffdb\\ufffd"'],
    [
      new Map<string, unknown>([
        ['z', 1],
        ['a', [2n]],
      ]),
      '{\n    "z": 1,\n    "a": [\n        2\n    ]\n}',
    ],
    [{ '<k>': 'v' }, '{\n    "\\u003ck\\u003e": "v"\n}'],
  ])('%p', (value, json) => {
    expect(encodeGoJson(value)).toBe(json);
  });

  test("teller's bind and status bodies", () => {
    const bind = {
      deposit_address: '1PZ63K3G4gZP6A6E2TTbBwxT5bFQGL2TLB',
      coin_type: 'BTC',
      buy_method: 'direct',
    };
    expect(encodeGoJson(bind)).toBe(
      '{\n    "deposit_address": "1PZ63K3G4gZP6A6E2TTbBwxT5bFQGL2TLB",\n    "coin_type": "BTC",\n    "buy_method": "direct"\n}',
    );
    const status = { statuses: [{ seq: 0, updated_at: 1795315313, status: 'done', coin_type: 'BTC' }] };
    expect(encodeGoJson(status)).toBe(
      [
        '{',
        '    "statuses": [',
        '        {',
        '            "seq": 0,',
        '            "updated_at": 1795315313,',
        '            "status": "done",',
        '            "coin_type": "BTC"',
        '        }',
        '    ]',
        '}',
      ].join('\n'),
    );
    expect(encodeGoJson({ statuses: undefined })).toBe('{}');
  });

  test('indent sets the width; 0 is compact like json.Marshal', () => {
    expect(encodeGoJson({ a: [1, { b: '<' }], c: {} }, 2)).toBe(
      '{\n  "a": [\n    1,\n    {\n      "b": "\\u003c"\n    }\n  ],\n  "c": {}\n}',
    );
    expect(encodeGoJson({ a: [1, { b: '<' }], c: {} }, 0)).toBe('{"a":[1,{"b":"\\u003c"}],"c":{}}');
  });

  test('unsupported values throw', () => {
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(() => encodeGoJson(cyclic)).toThrow('encountered a cycle');
    expect(() => encodeGoJson(NaN)).toThrow('json: unsupported value: NaN');
    expect(() => encodeGoJson({ a: Infinity })).toThrow('json: unsupported value: Infinity');
    expect(() => encodeGoJson(undefined)).toThrow(TypeError);
    expect(() => encodeGoJson({ f: () => 1 })).toThrow('json: unsupported type: function');
    const shared = { x: 1 };
    expect(encodeGoJson([shared, shared], 0)).toBe('[{"x":1},{"x":1}]'); // repeated, not cyclic
  });

  test('output parses with JSON.parse to the same value', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        expect(JSON.parse(encodeGoJson(value))).toEqual(JSON.parse(JSON.stringify(value)));
      }),
      { numRuns: 500 },
    );
  });

  test('output is JSON.stringify(v, null, 4) with HTML-safe escapes', () => {
    const safe = fc
      .jsonValue({ maxDepth: 3 })
      .filter((v) => !/[<>&\u2028\u2029]|\\[bf]|\\u[dD]/.test(JSON.stringify(v)));
    fc.assert(
      fc.property(safe, (value) => {
        expect(encodeGoJson(value)).toBe(JSON.stringify(value, null, 4));
      }),
      { numRuns: 500 },
    );
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (s) => {
        const out = encodeGoJson(s);
        expect(out).not.toMatch(/[<>&\u2028\u2029]/);
        expect(Array.from(out).every((ch) => ch >= ' ')).toBe(true);
      }),
    );
  });
});

describe('encodeStatusBody', () => {
  it('writes what encodeGoJson writes for /api/status bodies', () => {
    const entry = fc.record({
      seq: fc.nat(),
      updated_at: fc.integer({ min: 0, max: 2 ** 40 }),
      status: fc.constantFrom(...STATUSES),
      coin_type: fc.string(),
    });
    fc.assert(
      fc.property(fc.array(entry, { maxLength: 6 }), (statuses) => {
        const value = statuses.length === 0 ? {} : { statuses };
        expect(encodeStatusBody(statuses)).toBe(encodeGoJson(value));
      }),
    );
  });
});

describe('encodeRowsBody', () => {
  it('writes what encodeGoJson writes for a list of flat rows (the /api/v2/status body)', () => {
    // Keys that are not array indexes, as the rows' are: an object keeps them in insertion order.
    const key = fc.string().filter((k) => !/^(0|[1-9][0-9]*)$/.test(k));
    const value = fc.oneof(
      fc.string({ unit: 'binary' }),
      fc.integer(),
      fc.double({ noNaN: true, noDefaultInfinity: true }),
    );
    fc.assert(
      fc.property(
        fc.string(),
        fc.array(fc.dictionary(key, value, { maxKeys: 12 }), { maxLength: 6 }),
        (name, rows) => {
          expect(encodeRowsBody(name, rows)).toBe(encodeGoJson({ [name]: rows }));
        },
      ),
    );
  });
});

describe('goJsonMapKeysSorted', () => {
  test('sorts keys as Go sorts map keys (bytes of UTF-8)', () => {
    expect(encodeGoJson(goJsonMapKeysSorted({ SKY: 1, BTC: 2, ETH: 3 }), 0)).toBe(
      '{"BTC":2,"ETH":3,"SKY":1}',
    );
    expect(encodeGoJson(goJsonMapKeysSorted({ sky: 'a', btc: 'b', eth: 'c' }), 0)).toBe(
      '{"btc":"b","eth":"c","sky":"a"}',
    );
    expect(encodeGoJson(goJsonMapKeysSorted({ b: 1, a: 2, B: 3, _: 4, '': 5 }), 0)).toBe(
      '{"":5,"B":3,"_":4,"a":2,"b":1}',
    );
    // Integer-like keys, which a JavaScript object would put first in numeric order.
    expect(encodeGoJson(goJsonMapKeysSorted({ a: 1, 9: 2, 10: 3 }), 0)).toBe('{"10":3,"9":2,"a":1}');
    // UTF-8 order differs from UTF-16 order above U+D7FF.
    expect(encodeGoJson(goJsonMapKeysSorted({ '😀': 1, '\uFFFD': 2 }), 0)).toBe('{"\uFFFD":2,"😀":1}');
  });

  test('returns a copy with the same enumerable entries; nested values are kept as they are', () => {
    const inner = { z: 1, a: 2 };
    const input = { b: inner, a: [3] };
    const sorted = goJsonMapKeysSorted(input);
    expect(sorted).toEqual(input);
    expect(sorted).not.toBe(input);
    expect(Object.keys(sorted)).toEqual(['a', 'b']);
    expect(sorted.b).toBe(inner);
    expect(encodeGoJson(sorted, 0)).toBe('{"a":[3],"b":{"z":1,"a":2}}');
  });

  test('keys added after sorting are written after the sorted ones', () => {
    const sorted: Record<string, number> = goJsonMapKeysSorted({ 10: 1, 9: 2 });
    sorted.x = 3;
    delete sorted['9'];
    expect(encodeGoJson(sorted, 0)).toBe('{"10":1,"x":3}');
  });
});
