import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { once } from 'node:events';
import { createGunzip, createGzip } from 'node:zlib';
import { SCHEMA_VERSION, SPACES, Store, type Space } from './store';
import { StoreError } from './errors';

/**
 * Backups: a gzip'd text file, one JSON line per record (`[space, key, base64 value]`) after a
 * header line, read from one LevelDB snapshot while the daemon runs. Restored with
 * `teller backup restore <file> -d <dir>` into an empty data dir.
 */
const FORMAT = 'teller-backup';
const RESTORE_BATCH = 1000;

interface Header {
  format: string;
  schema_version: number;
  created_at: number;
}

export async function writeBackup(store: Store, out: NodeJS.WritableStream): Promise<number> {
  const gzip = createGzip();
  gzip.pipe(out);
  const write = async (line: string): Promise<void> => {
    if (!gzip.write(line + '\n')) await once(gzip, 'drain');
  };
  const header: Header = { format: FORMAT, schema_version: SCHEMA_VERSION, created_at: Date.now() };
  await write(JSON.stringify(header));
  let n = 0;
  for await (const r of store.dump()) {
    await write(JSON.stringify([r.space, r.key, Buffer.from(r.value).toString('base64')]));
    n++;
  }
  gzip.end();
  await once(out, 'finish').catch(() => undefined);
  return n;
}

/** Restores a backup file into `dir`, which must hold no store yet. Returns the record count. */
export async function restoreBackup(file: string, dir: string): Promise<number> {
  const store = await Store.open(dir);
  try {
    for await (const rec of store.dump()) {
      if (rec.space !== 'meta')
        throw new StoreError(`${dir} already holds data: restore into an empty data dir`);
    }
    const lines = createInterface({
      input: createReadStream(file).pipe(createGunzip()),
      crlfDelay: Infinity,
    });
    let header: Header | undefined;
    let batch: { space: Space; key: string; value: Uint8Array }[] = [];
    let n = 0;
    for await (const line of lines) {
      if (!line) continue;
      if (!header) {
        header = JSON.parse(line) as Header;
        if (header.format !== FORMAT) throw new StoreError(`${file} is not a teller backup`);
        if (header.schema_version > SCHEMA_VERSION) {
          throw new StoreError(
            `${file} has schema version ${header.schema_version}; this teller supports ${SCHEMA_VERSION}`,
          );
        }
        continue;
      }
      const [space, key, value] = JSON.parse(line) as [string, string, string];
      if (!(SPACES as readonly string[]).includes(space))
        throw new StoreError(`${file}: unknown space ${space}`);
      batch.push({ space: space as Space, key, value: Buffer.from(value, 'base64') });
      n++;
      if (batch.length >= RESTORE_BATCH) {
        await store.load(batch);
        batch = [];
      }
    }
    if (!header) throw new StoreError(`${file} is empty`);
    await store.load(batch);
    return n;
  } finally {
    await store.close();
  }
}
