import { hexReply } from '../../../src/chains/bitcoin/hex-reply';

const body = (text: string) => Buffer.from(text);

describe('hexReply', () => {
  it('points at the hex result in place and reads the other fields as JSON.parse does', () => {
    const reply = body('{"result":"00ff10","error":null,"id":7}');
    expect(hexReply(reply)).toEqual({ result: { text: reply, start: 11, end: 17 }, error: null, id: 7 });
    const other = body('{"id":"x","error":null,"result":"AbCd"}');
    expect(hexReply(other)).toEqual({ id: 'x', error: null, result: { text: other, start: 33, end: 37 } });
    // bcoin indents its replies.
    const bcoin = body('{\n  "result" :\t"00ff",\n  "error": null,\n  "id": 3\n}\n');
    expect(hexReply(bcoin)).toEqual({
      result: { text: bcoin, start: bcoin.indexOf('00ff'), end: bcoin.indexOf('00ff') + 4 },
      error: null,
      id: 3,
    });
  });

  it.each([
    ['a "result" string value', '{"error":"result","result":"00"}'],
    ['a null result', '{"result":null,"error":{"code":-5,"message":"Block not found"},"id":1}'],
    ['a result key nested in another object', '{"error":{"result":"00"},"result":1}'],
    ['a reply that is not JSON around the string', '{"result":"00ff",garbage}'],
    ['an unterminated string', '{"result":"00ff'],
    ['a JSON array', '["result":"00"]'],
  ])('leaves %s to the ordinary JSON path', (_name, text) => {
    expect(hexReply(body(text))).toBeUndefined();
  });
});
