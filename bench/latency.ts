/**
 * Benchmark 7: deposit latency. Anvil mining a block every second; the daemon with its real ETH
 * scanner (eth_scanner.scan_period 200 ms, 1 confirmation) and the dummy sender. For each deposit:
 * the time from the block that confirms it (its arrival, pushed to this process over anvil's
 * WebSocket newHeads subscription) to the payout's broadcast (seen in the dummy sender's ledger,
 * polled every 10 ms). Baseline, in the same run: a bare client polling eth_blockNumber at the same
 * 200 ms period, i.e. how long merely noticing the block takes at that period.
 */
import { rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseEther, WebSocketProvider } from 'ethers';
import { startAnvil } from '../test/helpers/anvil';
import { skyAddresses } from './lib/deposits';
import { baseConfig, launchDaemon, mergeConfig, writeConfig, type RunningDaemon } from './lib/daemon';
import { benchTmp } from './lib/fixtures';
import { emit, figure, progress } from './lib/report';
import { median, percentile, prng, randomBytesFrom, sleep } from './lib/stats';

const ID = 'latency';
const DEPOSITS = 12;
const SCAN_PERIOD_MS = 200;
const LEDGER_POLL_MS = 10;

async function main(): Promise<void> {
  const anvil = await startAnvil({ blockTime: 1 });
  let daemon: RunningDaemon | undefined;
  let ws: WebSocketProvider | undefined;
  let poller: NodeJS.Timeout | undefined;
  try {
    const rand = prng(23);
    const dir = path.join(benchTmp(), 'latency');
    // A data dir left by an earlier run (BENCH_TMP is kept) holds its bindings, deposits and payouts.
    rmSync(dir, { recursive: true, force: true });
    const ethPool = path.join(dir, 'eth.txt');
    const url = new URL(anvil.url);
    const cfg = writeConfig(
      dir,
      mergeConfig(baseConfig(), {
        eth_addresses: ethPool,
        btc_scanner: { enabled: false },
        eth_scanner: {
          enabled: true,
          scan_period: `${SCAN_PERIOD_MS}ms`,
          initial_scan_height: await anvil.tip(),
          confirmations_required: 1,
          chain_id: anvil.chainId,
        },
        eth_rpc: { server: url.hostname, port: url.port },
        dummy: { scanner: false, sender: true },
      }),
    );
    writeFileSync(
      ethPool,
      Array.from({ length: 50 }, () => `0x${randomBytesFrom(rand, 20).toString('hex')}`).join('\n') + '\n',
    );
    daemon = await launchDaemon(cfg, path.join(dir, 'data'));
    const d = daemon;
    await fetch(`${d.url('dummy')}/dummy/sender/balance?coins=${10n ** 15n}`);
    const sky = skyAddresses(DEPOSITS, 29);
    const bound: string[] = [];
    for (const s of sky) {
      const res = await fetch(`${d.url('public')}/api/bind`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ skyaddr: s, coin_type: 'ETH' }),
      });
      if (!res.ok) throw new Error(`bind: ${res.status} ${await res.text()}`);
      bound.push(((await res.json()) as { deposit_address: string }).deposit_address);
    }

    // Block arrival: pushed over the WebSocket (no polling delay on this side).
    const arrived = new Map<number, number>();
    ws = new WebSocketProvider(url.href.replace(/^http/, 'ws'), anvil.chainId, { staticNetwork: true });
    await ws.on('block', (n: number) => {
      if (!arrived.has(n)) arrived.set(n, performance.now());
    });
    // The baseline: a bare poller at the scanner's period.
    const polled = new Map<number, number>();
    poller = setInterval(() => {
      void anvil.send('eth_blockNumber').then((h) => {
        const n = Number(h);
        if (!polled.has(n)) polled.set(n, performance.now());
      });
    }, SCAN_PERIOD_MS);

    const latencies: number[] = [];
    const baseline: number[] = [];
    const wallet = anvil.wallets[1];
    for (let i = 0; i < DEPOSITS; i++) {
      // Send right after a block, so the deposit waits for the next one like any deposit would.
      const before = arrived.size;
      while (arrived.size === before) await sleep(5);
      const tx = await wallet.sendTransaction({ to: bound[i], value: parseEther('0.01') });
      let seenAt = 0;
      for (const deadline = performance.now() + 15_000; performance.now() < deadline;) {
        const list = (await (await fetch(`${d.url('dummy')}/dummy/sender/broadcasts`)).json()) as {
          outputs: { address: string }[];
        }[];
        if (list.some((b) => b.outputs.some((o) => o.address === sky[i]))) {
          seenAt = performance.now();
          break;
        }
        await sleep(LEDGER_POLL_MS);
      }
      const receipt = await tx.wait();
      if (!seenAt || !receipt) throw new Error(`deposit ${i}: no payout broadcast within 15 s`);
      const blockAt = arrived.get(receipt.blockNumber);
      const polledAt = polled.get(receipt.blockNumber);
      if (blockAt === undefined)
        throw new Error(`block ${receipt.blockNumber} never arrived over the WebSocket`);
      latencies.push(seenAt - blockAt);
      if (polledAt !== undefined) baseline.push(polledAt - blockAt);
      progress(
        ID,
        `deposit ${i + 1}: block ${receipt.blockNumber}, payout broadcast ${Math.round(seenAt - blockAt)} ms after the block`,
      );
    }
    emit({
      id: ID,
      title: 'Deposit latency (anvil, 1 s blocks, 1 confirmation, dummy sender)',
      figures: [
        figure({
          name: 'confirming block → payout broadcast, median',
          value: median(latencies) / 1000,
          unit: 's',
          baseline: {
            name: `a bare eth_blockNumber poller at ${SCAN_PERIOD_MS} ms noticing the block`,
            value: median(baseline) / 1000,
            unit: 's',
          },
          ratio: median(latencies) / median(baseline),
          ratioMeaning: 'daemon latency ÷ bare poller latency (medians)',
          atMost: 1,
        }),
        figure({
          name: 'confirming block → payout broadcast, p90',
          value: percentile(latencies, 90) / 1000,
          unit: 's',
        }),
      ],
      notes: [
        `${DEPOSITS} deposits one after another; eth_scanner.scan_period = ${SCAN_PERIOD_MS} ms, so noticing a block costs up to one period; the broadcast is seen within ${LEDGER_POLL_MS} ms plus a request`,
        'measured with the daemon running its real ETH scanner (ChainScanner + EthSource) and the dummy sender',
      ],
      details: { latencies_ms: latencies, poller_ms: baseline },
    });
  } finally {
    if (poller) clearInterval(poller);
    await ws?.destroy();
    await daemon?.stop();
    await anvil.stop();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
