import { createReadStream, statSync } from 'node:fs';
import { pipeline } from 'node:stream';
import { createInterface } from 'node:readline';
import { once } from 'node:events';
import { createGunzip, createGzip } from 'node:zlib';
import { SCHEMA_VERSION, SPACES, Store, type Space } from './store';
import { StoreError } from './errors';

/**
 * Backups: a gzip'd text file, one JSON line per record (`[space, key, base64 value]`) between a
 * header line and a trailer line (`{"end":true,"records":n}`), read from one LevelDB snapshot while
 * the daemon runs. Restored with `teller backup restore <file> -d <dir>` (src/commands): into a
 * staging dir, verified, then renamed into place. The trailer (and gzip's own end check) tells a
 * whole backup from one cut short; backups from builds before the trailer have no `trailer` flag.
 */
const FORMAT = 'teller-backup';
const RESTORE_BATCH = 1000;

interface Header {
  format: string;
  schema_version: number;
  created_at: number;
  /** The backup ends with a trailer line giving its record count. */
  trailer?: boolean;
}

interface Trailer {
  end: true;
  records: number;
}

export async function writeBackup(store: Store, out: NodeJS.WritableStream): Promise<number> {
  const gzip = createGzip();
  gzip.pipe(out);
  const write = async (line: string): Promise<void> => {
    if (!gzip.write(line + '\n')) await once(gzip, 'drain');
  };
  const header: Header = {
    format: FORMAT,
    schema_version: SCHEMA_VERSION,
    created_at: Date.now(),
    trailer: true,
  };
  await write(JSON.stringify(header));
  let n = 0;
  for await (const r of store.dump()) {
    await write(JSON.stringify([r.space, r.key, Buffer.from(r.value).toString('base64')]));
    n++;
  }
  const trailer: Trailer = { end: true, records: n };
  await write(JSON.stringify(trailer));
  gzip.end();
  await once(out, 'finish').catch(() => undefined);
  return n;
}

type RawRecord = { space: Space; key: string; value: Uint8Array };

/** One line of a backup: a record, or the trailer. Throws a StoreError naming the line. */
function parseLine(file: string, lineNo: number, line: string): RawRecord | Trailer {
  const bad = (why: string) => new StoreError(`${file}: line ${lineNo} ${why}: nothing restored`);
  let doc: unknown;
  try {
    doc = JSON.parse(line);
  } catch {
    throw bad('is not a backup record');
  }
  if (!Array.isArray(doc)) {
    const t = doc as Partial<Trailer> | null;
    if (t?.end === true && Number.isSafeInteger(t.records)) return t as Trailer;
    throw bad('is not a backup record');
  }
  const [space, key, value] = doc as unknown[];
  if (typeof space !== 'string' || typeof key !== 'string' || typeof value !== 'string')
    throw bad('is not a backup record');
  if (!(SPACES as readonly string[]).includes(space)) throw bad(`has an unknown space ${space}`);
  return { space: space as Space, key, value: Buffer.from(value, 'base64') };
}

/**
 * Restores a backup file into `dir`, which must hold no store (the restore command passes a new
 * staging dir). Returns the record count. Throws a one-line StoreError for a missing, truncated or
 * malformed file; what was loaded is then the caller's to remove.
 */
export async function restoreBackup(file: string, dir: string): Promise<number> {
  const stat = statSync(file, { throwIfNoEntry: false });
  if (!stat) throw new StoreError(`backup file ${file} does not exist`);
  if (!stat.isFile()) throw new StoreError(`backup file ${file} is not a file`);
  const store = await Store.open(dir);
  try {
    for await (const rec of store.dump()) {
      if (rec.space !== 'meta')
        throw new StoreError(`${dir} already holds data: restore into an empty data dir`);
    }
    return await load(file, store);
  } finally {
    await store.close();
  }
}

async function load(file: string, store: Store): Promise<number> {
  const lines = createInterface({
    input: pipeline(createReadStream(file), createGunzip(), () => undefined),
    crlfDelay: Infinity,
  });
  let header: Header | undefined;
  let trailer: Trailer | undefined;
  let batch: RawRecord[] = [];
  let n = 0;
  let lineNo = 0;
  try {
    for await (const line of lines) {
      lineNo++;
      if (!line) continue;
      if (trailer)
        throw new StoreError(`${file}: line ${lineNo} follows the end of the backup: nothing restored`);
      if (!header) {
        header = parseHeader(file, line);
        continue;
      }
      const rec = parseLine(file, lineNo, line);
      if ('end' in rec) {
        trailer = rec;
        continue;
      }
      batch.push(rec);
      n++;
      if (batch.length >= RESTORE_BATCH) {
        await store.load(batch);
        batch = [];
      }
    }
  } catch (err) {
    if (err instanceof StoreError) throw err;
    // gunzip's "unexpected end of file", a read error...
    throw new StoreError(`${file} is truncated or damaged (${(err as Error).message}): nothing restored`, {
      cause: err,
    });
  }
  if (!header) throw new StoreError(`${file} is empty: nothing restored`);
  if (header.trailer && !trailer)
    throw new StoreError(
      `${file} is incomplete: it ends after ${n} records, without its record count: nothing restored`,
    );
  if (trailer && trailer.records !== n)
    throw new StoreError(`${file} holds ${n} records but says ${trailer.records}: nothing restored`);
  await store.load(batch);
  return n;
}

function parseHeader(file: string, line: string): Header {
  let header: Partial<Header> | null;
  try {
    header = JSON.parse(line) as Partial<Header> | null;
  } catch {
    header = null;
  }
  if (header?.format !== FORMAT) throw new StoreError(`${file} is not a teller backup`);
  if ((header.schema_version ?? 0) > SCHEMA_VERSION) {
    throw new StoreError(
      `${file} has schema version ${header.schema_version}; this teller supports ${SCHEMA_VERSION}`,
    );
  }
  return header as Header;
}
