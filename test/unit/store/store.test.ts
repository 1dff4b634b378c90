import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { serialize } from 'node:v8';
import { SCHEMA_VERSION, Store, decodeValue } from '../../../src/store/store';
import { SchemaTooNewError, StoreLockedError } from '../../../src/store/errors';

const tmp = () => mkdtempSync(path.join(os.tmpdir(), 'teller-store-'));

describe('Store', () => {
  it('writes atomic batches and reads them back with bigint values', async () => {
    const store = await Store.open(tmp());
    await store.write([
      { type: 'put', space: 'deposits', key: 'a:0', value: { v: 12345678901234567890n } },
      { type: 'put', space: 'deposit_status', key: 'done!a:0', value: '' },
    ]);
    expect(await store.get('deposits', 'a:0')).toEqual({ v: 12345678901234567890n });
    expect(await store.get('deposits', 'missing')).toBeUndefined();
    await store.write([{ type: 'del', space: 'deposit_status', key: 'done!a:0' }]);
    expect(await store.values('deposit_status')).toEqual([]);
    await store.close();
  });

  it('getManySync reads what getMany reads, on the calling thread', async () => {
    const store = await Store.open(tmp());
    await store.write([
      { type: 'put', space: 'deposits', key: 'a:0', value: { v: 1n } },
      { type: 'put', space: 'deposits', key: 'b:0', value: 'x' },
    ]);
    const keys = ['b:0', 'missing', 'a:0'];
    expect(store.getManySync('deposits', keys)).toEqual(await store.getMany('deposits', keys));
    expect(store.getManySync('deposits', keys)).toEqual(['x', undefined, { v: 1n }]);
    expect(store.getManySync('deposits', [])).toEqual([]);
    await store.close();
  });

  it('group-commits concurrent writes in call order', async () => {
    const store = await Store.open(tmp());
    await Promise.all(
      Array.from({ length: 200 }, (_, i) =>
        store.write([{ type: 'put', space: 'meta', key: 'n', value: i }]),
      ),
    );
    expect(await store.get('meta', 'n')).toBe(199);
    await store.close();
  });

  it('records the schema version and refuses a newer one', async () => {
    const dir = tmp();
    const store = await Store.open(dir);
    expect(await store.get('meta', 'schema_version')).toBe(SCHEMA_VERSION);
    await store.write([{ type: 'put', space: 'meta', key: 'schema_version', value: SCHEMA_VERSION + 1 }]);
    await store.close();
    await expect(Store.open(dir)).rejects.toBeInstanceOf(SchemaTooNewError);
    await expect(Store.open(dir)).rejects.toThrow(/newer than this teller supports/);
  });

  it('gives a clear error when another process holds the data dir', async () => {
    const dir = tmp();
    const store = await Store.open(dir);
    const second = Store.open(dir);
    await expect(second).rejects.toBeInstanceOf(StoreLockedError);
    await expect(Store.open(dir)).rejects.toThrow(/already in use/);
    await store.close();
  });

  it('dumps every record of every space from one snapshot', async () => {
    const store = await Store.open(tmp());
    await store.write([
      { type: 'put', space: 'bindings', key: 'BTC!x', value: 1 },
      { type: 'put', space: 'events', key: '0001', value: 2 },
    ]);
    const spaces = [];
    for await (const r of store.dump()) spaces.push(`${r.space}/${r.key}`);
    expect(spaces.sort()).toEqual([
      'bindings/BTC!x',
      'events/0001',
      'meta/batch_seq',
      'meta/schema_version',
      'meta/store_id',
    ]);
    await store.close();
  });
});

describe('decodeValue', () => {
  it.each<[string, unknown]>([
    ['an empty string', ''],
    ['an ASCII key', 'BTC!bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq'],
    ['Latin-1 text', 'café ÿ'],
    ['a string of 200 characters (two-byte length)', 'x'.repeat(200)],
    ['a string of 20,000 characters (three-byte length)', 'y'.repeat(20_000)],
    ['a two-byte string', 'price €5'],
    ['a number', 42],
    ['a record', { seq: 1, status: 'done', value: 10n }],
  ])('reads %s as v8.deserialize does', (_case, value) => {
    expect(decodeValue(serialize(value))).toEqual(value);
  });

  it('reads a one-byte string inside a larger buffer (a LevelDB batch)', () => {
    const framed = serialize('BTC!addr');
    const pool = Buffer.alloc(framed.length + 10, 0x41);
    framed.copy(pool, 5);
    expect(decodeValue(pool.subarray(5, 5 + framed.length))).toBe('BTC!addr');
  });
});
