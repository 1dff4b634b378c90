import fc from 'fast-check';
import { goFormValue, parseGoForm, parseGoQuery } from '../../../src/http/go-query';

const entries = (m: Map<string, string[]>): [string, string[]][] => Array.from(m);

describe('parseGoQuery', () => {
  test.each<[string, [string, string[]][]]>([
    ['', []],
    ['skyaddr=abc', [['skyaddr', ['abc']]]],
    ['skyaddr=a+b%20c', [['skyaddr', ['a b c']]]],
    ['skyaddr=%2B%2b', [['skyaddr', ['++']]]],
    ['skyaddr=%zz', []],
    ['skyaddr=%zz&coin=BTC', [['coin', ['BTC']]]],
    ['skyaddr=%', []],
    ['skyaddr=%4', []],
    ['skyaddr=ab%4', []],
    ['skyaddr=%41', [['skyaddr', ['A']]]],
    ['skyaddr=%4g', []],
    ['skyaddr=%g4', []],
    ['%zz=1&a=2', [['a', ['2']]]],
    ['%41=b', [['A', ['b']]]],
    ['skyaddr=V;x=1', []],
    ['skyaddr=V;x=1&coin=BTC', [['coin', ['BTC']]]],
    ['a=1;', []],
    [';', []],
    ['a=%3B', [['a', [';']]]],
    [
      'a=1&a=2&b=3&a=4',
      [
        ['a', ['1', '2', '4']],
        ['b', ['3']],
      ],
    ],
    ['a', [['a', ['']]]],
    ['a=', [['a', ['']]]],
    ['=1', [['', ['1']]]],
    ['=', [['', ['']]]],
    ['&&a=1&&', [['a', ['1']]]],
    ['a=1=2', [['a', ['1=2']]]],
    ['a%3Db=c', [['a=b', ['c']]]],
    ['a%26b=c%26d', [['a&b', ['c&d']]]],
    ['+=+', [[' ', [' ']]]],
    [
      'A=1&a=2',
      [
        ['A', ['1']],
        ['a', ['2']],
      ],
    ],
    ['a=%ff', [['a', ['\uFFFD']]]],
    ['a=%e2%82', [['a', ['\uFFFD\uFFFD']]]],
    ['a=%C3%A9%e2%82%ac', [['a', ['é€']]]],
    ['a=é', [['a', ['é']]]],
    ['a=%00', [['a', ['\u0000']]]],
    ['?a=1', [['?a', ['1']]]],
    ['a=1#frag', [['a', ['1#frag']]]],
  ])('%j', (raw, expected) => {
    expect(entries(parseGoQuery(raw))).toEqual(expected);
  });

  test('matches URLSearchParams where Go and WHATWG agree', () => {
    const part = fc.stringMatching(/^[A-Za-z0-9+_.~-]{0,6}$/);
    fc.assert(
      fc.property(fc.array(fc.tuple(part, part), { maxLength: 6 }), (pairs) => {
        const raw = pairs.map(([k, v]) => `${k}=${v}`).join('&');
        const expected = new Map<string, string[]>();
        for (const [k, v] of new URLSearchParams(raw)) expected.set(k, [...(expected.get(k) ?? []), v]);
        expect(parseGoQuery(raw)).toEqual(expected);
      }),
    );
  });

  test('round-trips encodeURIComponent of any text', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme' }), fc.string({ unit: 'grapheme' }), (k, v) => {
        const got = parseGoQuery(`${encodeURIComponent(k)}=${encodeURIComponent(v)}`);
        expect(got.get(k)).toEqual([v]);
      }),
    );
  });
});

describe('parseGoForm', () => {
  const FORM = 'application/x-www-form-urlencoded';
  test.each<[string | undefined, boolean]>([
    [FORM, true],
    ['Application/X-WWW-Form-Urlencoded', true],
    [`${FORM}; charset=utf-8`, true],
    [`  ${FORM}  ;charset=utf-8`, true],
    [`\u00a0${FORM}\u3000`, true], // unicode.IsSpace
    [`${FORM};`, true], // trailing semicolon
    [`${FORM}; ;`, true],
    [`${FORM}; garbage`, true], // bad parameters keep the media type
    [`${FORM}; a=`, true],
    [`${FORM}; a="unterminated`, true],
    [`${FORM}; a=1; b=2`, true],
    [`${FORM}; a="x;y"; b=2`, true],
    [`${FORM}; a=1; garbage; a=2`, true], // parsing stops at the bad parameter
    [`${FORM}; a*=1; a=2`, true],
    [`${FORM}; a=1; a=2`, false], // a duplicate parameter makes the whole header invalid
    [`${FORM}; a=1; A=2`, false],
    [`${FORM}; a=""; a="x"`, false],
    [`${FORM};a="x\\";a=1";b=2`, true], // `\"` is an escaped quote, so `a` appears once
    [`${FORM}; a="\\q"; a=1`, false],
    ['application/x-www-form-urlencoded\u212a', false],
    ['appl\u0130cation/x-www-form-urlencoded', true], // Go lowers U+0130 to 'i'
    [`${FORM}, text/plain`, false],
    ['\uFEFFapplication/x-www-form-urlencoded', false], // a BOM is not a Go space
    ['application/json', false],
    ['multipart/form-data; boundary=x', false],
    ['text/plain', false],
    ['', false],
    [undefined, false],
  ])('%j → parsed: %s', (contentType, parsed) => {
    const form = parseGoForm(contentType, 'addr=x&value=1');
    expect(entries(form)).toEqual(
      parsed
        ? [
            ['addr', ['x']],
            ['value', ['1']],
          ]
        : [],
    );
  });

  test('the body is parsed as a query string', () => {
    const form = parseGoForm('application/x-www-form-urlencoded', 'a=1&a=%zz&b=x+y&c;d=1&a=2');
    expect(entries(form)).toEqual([
      ['a', ['1', '2']],
      ['b', ['x y']],
    ]);
  });

  test('a body over 10 MB yields no values', () => {
    const limit = 10 << 20;
    const fits = `a=${'x'.repeat(limit - 2)}`;
    expect(parseGoForm('application/x-www-form-urlencoded', fits).get('a')?.[0]).toHaveLength(limit - 2);
    expect(parseGoForm('application/x-www-form-urlencoded', `${fits}x`).size).toBe(0);
  });
});

describe('goFormValue', () => {
  const query = parseGoQuery('addr=fromQuery&value=1&empty=&only=q');
  const body = parseGoForm('application/x-www-form-urlencoded', 'addr=fromBody&addr=second&empty2=&only2=b');
  test.each<[Map<string, string[]> | undefined, string, string]>([
    [undefined, 'addr', 'fromQuery'],
    [undefined, 'value', '1'],
    [undefined, 'missing', ''],
    [undefined, 'ADDR', ''],
    [undefined, 'empty', ''],
    [body, 'addr', 'fromBody'], // body values come first in r.Form
    [body, 'value', '1'],
    [body, 'only', 'q'],
    [body, 'only2', 'b'],
    [body, 'empty2', ''], // the first value, even when empty
    [body, 'missing', ''],
    [new Map(), 'addr', 'fromQuery'],
    [new Map([['addr', []]]), 'addr', 'fromQuery'],
  ])('body %#: %s → %j', (form, name, value) => {
    expect(goFormValue(query, form, name)).toBe(value);
  });

  test('first query value when the key repeats', () => {
    expect(goFormValue(parseGoQuery('tx=a&tx=b'), undefined, 'tx')).toBe('a');
    expect(goFormValue(parseGoQuery('tx=&tx=b'), undefined, 'tx')).toBe('');
  });
});
