import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { runCommand } from '../../../../src/commands/index';
import { DepositStore } from '../../../../src/exchange/deposit-store';
import { Store } from '../../../../src/store/store';
import { tmpDir } from '../helpers';

/** Runs a maintenance command in-process, capturing its output. */

export interface Ran {
  code: number;
  out: string;
  err: string;
}

const capture = () => {
  const stream = new PassThrough();
  let text = '';
  stream.on('data', (c: Buffer) => (text += c.toString('utf8')));
  return { stream, text: () => text };
};

export async function run(args: string[], dataDir: string, configArg?: string): Promise<Ran> {
  const out = capture();
  const err = capture();
  const code = await runCommand(args, { dataDir, configArg, stdout: out.stream, stderr: err.stream });
  await new Promise((r) => setImmediate(r));
  return { code, out: out.text(), err: err.text() };
}

/** A data dir holding a store at <dir>/<dbfile>, filled by `fill`, closed again. */
export async function dataDirWith(
  fill: (deposits: DepositStore, store: Store) => Promise<void>,
  dbfile = 'teller.db',
): Promise<string> {
  const dir = tmpDir('teller-cmd-');
  const store = await Store.open(path.join(dir, dbfile));
  const deposits = new DepositStore(store);
  await deposits.open();
  await fill(deposits, store);
  await store.close();
  return dir;
}

export async function withOpenStore<T>(
  dataDir: string,
  fn: (deposits: DepositStore, store: Store) => Promise<T>,
  dbfile = 'teller.db',
): Promise<T> {
  const store = await Store.open(path.join(dataDir, dbfile));
  try {
    const deposits = new DepositStore(store);
    await deposits.open();
    return await fn(deposits, store);
  } finally {
    await store.close();
  }
}

const ROOT = path.resolve(__dirname, '../../../..');

/** A valid dummy-mode config naming `dbfile`, written into `dir`; returns its path. */
export function writeConfig(dir: string, dbfile: string): string {
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, 'ops.toml');
  writeFileSync(
    file,
    `dbfile = "${dbfile}"
btc_addresses = "${path.join(ROOT, 'addresses/btc-example.txt')}"
[sky_exchanger]
sky_btc_exchange_rate = "500"
sky_eth_exchange_rate = "100"
sky_sky_exchange_rate = "1"
[dummy]
scanner = true
sender = true
`,
  );
  return file;
}
