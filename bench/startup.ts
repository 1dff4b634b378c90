/**
 * Benchmark 6: memory and start-up. The daemon (dummy scanner and sender, BTC deposits) on a store
 * holding 100,000 bindings and 100,000 deposits, with the million-address BTC pool: time from spawn
 * to `teller started`, and resident memory once ready. Baseline, in alternating rounds: the same
 * daemon on an empty store with the 20-address example pool.
 */
import { rmSync } from 'node:fs';
import path from 'node:path';
import { copyDataDir, dataset } from './lib/dataset';
import {
  baseConfig,
  mergeConfig,
  sampleStartup,
  SETTLE_MS,
  type StartupSample,
  writeConfig,
  type TomlTable,
} from './lib/daemon';
import { benchTmp } from './lib/fixtures';
import { emit, figure, progress } from './lib/report';
import { median, ratios } from './lib/stats';

const ID = 'startup';
const ROUNDS = 3;
async function main(): Promise<void> {
  const ds = await dataset();
  if (ds.buildSeconds) progress(ID, `dataset built in ${ds.buildSeconds.toFixed(1)} s`);
  const common: TomlTable = { eth_scanner: { enabled: false }, btc_scanner: { enabled: true } };
  const loadedCfg = writeConfig(
    path.join(benchTmp(), 'startup-loaded'),
    mergeConfig(baseConfig(), { ...common, btc_addresses: ds.pool.file }),
  );
  const emptyCfg = writeConfig(path.join(benchTmp(), 'startup-empty'), mergeConfig(baseConfig(), common));

  // The first start on a data dir validates the new pool file in full and stamps it; the rounds are
  // restarts of that daemon (the pool file unchanged), the case an operator meets every day.
  const loadedDir = copyDataDir(ds, 'startup-loaded-data');
  const first = await sampleStartup(loadedCfg, loadedDir);
  progress(
    ID,
    `first start (full pool validation): ${Math.round(first.readyMs)} ms, ${Math.round(first.rssMb)} MB`,
  );
  const loaded: StartupSample[] = [];
  const empty: StartupSample[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    const emptyDir = path.join(benchTmp(), `startup-empty-data-${r}`);
    rmSync(emptyDir, { recursive: true, force: true });
    if (r % 2 === 0) {
      loaded.push(await sampleStartup(loadedCfg, loadedDir));
      empty.push(await sampleStartup(emptyCfg, emptyDir));
    } else {
      empty.push(await sampleStartup(emptyCfg, emptyDir));
      loaded.push(await sampleStartup(loadedCfg, loadedDir));
    }
    progress(
      ID,
      `round ${r + 1}: loaded ${Math.round(loaded[r].readyMs)} ms ${Math.round(loaded[r].rssMb)} MB; ` +
        `empty ${Math.round(empty[r].readyMs)} ms ${Math.round(empty[r].rssMb)} MB`,
    );
  }
  const readyS = (s: StartupSample[]) => s.map((x) => x.readyMs / 1000);
  const rss = (s: StartupSample[]) => s.map((x) => x.rssMb);
  emit({
    id: ID,
    title: 'Memory and start-up (1,000,000 pool addresses, 100,000 bindings and deposits)',
    figures: [
      figure({
        name: 'time to ready (restart: same pool file, 100,000 deposits)',
        value: median(readyS(loaded)),
        unit: 's',
        baseline: { name: 'empty store, 20-address pool', value: median(readyS(empty)), unit: 's' },
        ratio: median(ratios(readyS(loaded), readyS(empty))),
        ratioMeaning: 'loaded ÷ empty, per round',
        atMost: 3,
      }),
      figure({
        name: 'time to ready, first start on a new pool file (full validation)',
        value: first.readyMs / 1000,
        unit: 's',
        baseline: { name: 'empty store, 20-address pool', value: median(readyS(empty)), unit: 's' },
        ratio: first.readyMs / 1000 / median(readyS(empty)),
        ratioMeaning: 'first start ÷ median empty start',
      }),
      figure({
        name: 'resident memory when ready',
        value: median(rss(loaded)),
        unit: 'MB',
        baseline: { name: 'empty store, 20-address pool', value: median(rss(empty)), unit: 'MB' },
        ratio: median(ratios(rss(loaded), rss(empty))),
        ratioMeaning: 'loaded ÷ empty, per round',
        atMost: 300,
      }),
    ],
    notes: [
      `rounds restart the same loaded data dir; time to ready: spawn of \`node dist/cli.js\` to its \`teller started\` log line; RSS read ${SETTLE_MS} ms later from /proc; peak RSS ${Math.round(median(loaded.map((x) => x.peakMb)))} MB loaded, ${Math.round(median(empty.map((x) => x.peakMb)))} MB empty`,
    ],
    details: { first, loaded, empty, dataset_build_s: ds.buildSeconds },
  });
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
