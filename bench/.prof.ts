import { parseBlock, scriptKey } from '../src/chains/bitcoin/block-parser';
import { makeBlock } from './lib/btc-block';
import { btcPool, poolScript } from './lib/fixtures';
const pool = btcPool();
const index = new Map<string, string>();
for (let i = 0; i < pool.addresses.length; i++) index.set(scriptKey(poolScript(pool, i)), pool.addresses[i]);
const b = makeBlock({ seed: 1000, height: 900000, pay: [poolScript(pool, 5)], matches: 10 });
const N = 40;
const time = (name: string, fn: () => unknown) => {
  for (let i = 0; i < 5; i++) fn();
  const t = performance.now();
  for (let i = 0; i < N; i++) fn();
  console.log(name, ((performance.now() - t) / N).toFixed(2), 'ms');
};
const body = Buffer.from(b.rawReply);
const vbody = Buffer.from(b.verboseReply);
const hex = (JSON.parse(b.rawReply) as { result: string }).result;
const raw = Buffer.from(hex, 'hex');
const HEXV = new Int8Array(256).fill(-1);
for (let i = 0; i < 10; i++) HEXV[48 + i] = i;
for (let i = 0; i < 6; i++) { HEXV[97 + i] = 10 + i; HEXV[65 + i] = 10 + i; }
function hexFromBytes(src: Uint8Array, a: number, e: number): Buffer {
  const out = Buffer.allocUnsafe((e - a) >> 1);
  for (let i = a, o = 0; i < e; i += 2, o++) {
    const hi = HEXV[src[i]], lo = HEXV[src[i + 1]];
    if ((hi | lo) < 0) throw new Error('bad hex');
    out[o] = (hi << 4) | lo;
  }
  return out;
}
const LUT = new Int16Array(65536).fill(-1);
for (let x = 0; x < 256; x++) for (let y = 0; y < 256; y++) { const hi = HEXV[x], lo = HEXV[y]; if (hi >= 0 && lo >= 0) LUT[x | (y << 8)] = (hi << 4) | lo; }
function hexFromBytes16(src: Buffer, a: number, e: number): Buffer {
  const n = (e - a) >> 1;
  const out = Buffer.allocUnsafe(n);
  // aligned u16 view needs even offset
  const u16 = new Uint16Array(src.buffer, src.byteOffset + a, n);
  for (let o = 0; o < n; o++) { const v = LUT[u16[o]]; if (v < 0) throw new Error('bad'); out[o] = v; }
  return out;
}
time('utf8 decode raw body', () => body.toString('utf8'));
time('utf8 decode verbose body', () => vbody.toString('utf8'));
time('latin1 slice raw body', () => body.latin1Slice(11, body.length - 20));
time('json.parse raw reply', () => JSON.parse(b.rawReply));
time('hex decode node', () => Buffer.from(hex, 'hex'));
time('hex decode table from bytes', () => hexFromBytes(body, 11, 11 + hex.length));
const aligned = Buffer.alloc(body.length + 1); body.copy(aligned, 1); 
time('hex decode u16 LUT', () => hexFromBytes16(aligned, 12, 12 + hex.length));
time('parseBlock 1M index', () => parseBlock(raw, index));
time('parseBlock empty index', () => parseBlock(raw, new Map()));
time('json.parse verbose', () => JSON.parse(b.verboseReply));
console.log(body.subarray(0, 12).toString(), hexFromBytes(body, 11, 11 + hex.length).equals(raw));
