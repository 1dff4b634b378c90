import { rescanStoredCursor } from '../../src/scanner/rescan';
import type { DummySender } from '../../src/sender/dummy-sender';
import { StoreError } from '../../src/store/errors';
import { INJECTED_FAULT } from './gate';
import { Store } from '../../src/store/store';
import { TellerError } from '../../src/util/errors';
import { btcTx, type BtcOut, type BtcTx } from './btc-node';
import type { TxFate } from './chain';
import { SCAN_PERIOD_MS } from './daemon';
import { ethTxHash, type EthTransfer, type EthTx } from './eth-node';
import type { Rng } from './rng';
import type { World } from './world';

/**
 * The commands of a sequence, drawn from the world's seeded RNG and applied at once. Every draw is
 * made whatever the daemon did, so a seed always gives the same commands.
 */

type Chain = 'BTC' | 'ETH';

const sat = (rng: Rng): bigint => rng.big(10_000n, 5_000_000n);
const wei = (rng: Rng): bigint => rng.big(10n ** 15n, 10n ** 17n);
const tokenUnits = (rng: Rng): bigint => rng.big(100_000n, 20_000_000n);

/** One BTC transaction of a random kind (to bound addresses of every script type, and the rest). */
function btcDeposit(w: World): BtcTx {
  const { rng } = w;
  const bound = () => rng.pick(w.boundFor('BTC')).address;
  const outs: BtcOut[] = rng.weighted<() => BtcOut[]>([
    [6, () => [{ address: bound(), value: sat(rng) }]],
    [
      2,
      () => [
        { address: bound(), value: sat(rng) },
        { address: bound(), value: sat(rng) },
      ],
    ],
    [
      1,
      () => [
        { address: rng.pick(w.unbound.BTC), value: sat(rng) },
        { address: bound(), value: sat(rng) },
      ],
    ],
    [
      1,
      () => [
        { address: null, value: 0n },
        { address: bound(), value: sat(rng) },
      ],
    ],
    [1, () => [{ address: rng.pick(w.unbound.BTC), value: sat(rng) }]],
    // Dust: pays 0 SKY at 3 decimals (done without a payout).
    [0.5, () => [{ address: bound(), value: rng.big(1n, 50n) }]],
    [0.5, () => [{ address: bound(), value: 0n }]],
  ])();
  return btcTx(rng, outs);
}

/** One ETH transaction: native, token, both, wrong asset, foreign token, reverted. */
function ethDeposit(w: World): EthTx {
  const { rng } = w;
  const eth = () => rng.pick(w.boundFor('ETH')).address;
  const tok = () => rng.pick(w.boundFor('TOK')).address;
  const tx = (to: string | null, value: bigint, transfers: EthTransfer[] = [], ok = true): EthTx => ({
    hash: ethTxHash(rng),
    to,
    value,
    ok,
    transfers,
  });
  return rng.weighted<() => EthTx>([
    [5, () => tx(eth(), wei(rng))],
    [5, () => tx(null, 0n, [{ token: 'TOK', to: tok(), value: tokenUnits(rng) }])],
    [
      1,
      () =>
        tx(null, 0n, [
          { token: 'TOK', to: tok(), value: tokenUnits(rng) },
          { token: 'TOK', to: tok(), value: tokenUnits(rng) },
        ]),
    ],
    // Native ETH and a token transfer in one transaction (ids tx:0 for both when the log is first).
    [1, () => tx(eth(), wei(rng), [{ token: 'TOK', to: tok(), value: tokenUnits(rng) }])],
    // Wrong asset to a shared pool address.
    [1, () => tx(null, 0n, [{ token: 'TOK', to: eth(), value: tokenUnits(rng) }])],
    [1, () => tx(tok(), wei(rng))],
    [0.5, () => tx(null, 0n, [{ token: 'FOREIGN', to: tok(), value: tokenUnits(rng) }])],
    [0.5, () => tx(eth(), wei(rng), [], false)],
    [0.5, () => tx(rng.pick(w.unbound.ETH), wei(rng))],
  ])();
}

/** What happens to an orphaned transaction: re-mined, dropped, or double-spent. */
function btcFate(w: World, t: BtcTx): TxFate<BtcTx> {
  const { rng } = w;
  return rng.weighted<() => TxFate<BtcTx>>([
    [5, () => ({ kind: 'remine' })],
    [2, () => ({ kind: 'drop' })],
    [
      2,
      () => ({ kind: 'replace', by: btcTx(rng, [{ address: rng.pick(w.unbound.BTC), value: sat(rng) }], t) }),
    ],
    [
      1,
      () => ({
        kind: 'replace',
        by: btcTx(
          rng,
          t.outs.map((o) => ({ ...o, value: o.value + 1n })),
          t,
        ),
      }),
    ],
  ])();
}

function ethFate(w: World, t: EthTx): TxFate<EthTx> {
  const { rng } = w;
  return rng.weighted<() => TxFate<EthTx>>([
    [5, () => ({ kind: 'remine' })],
    [2, () => ({ kind: 'drop' })],
    [
      2,
      () => ({
        kind: 'replace',
        by: { ...t, hash: ethTxHash(rng), to: rng.pick(w.unbound.ETH), transfers: [] },
      }),
    ],
    [1, () => ({ kind: 'replace', by: { ...t, hash: ethTxHash(rng), value: t.value + 1n } })],
  ])();
}

function mine(w: World, chain: Chain): string {
  const { rng } = w;
  const blocks = rng.int(1, 3);
  let txs = 0;
  for (let i = 0; i < blocks; i++) {
    const n = rng.weighted([
      [4, 0],
      [4, 1],
      [2, 2],
      [1, 3],
    ]);
    if (chain === 'BTC') {
      const made = Array.from({ length: n }, () => btcDeposit(w));
      const later = rng.chance(0.2) ? made.splice(0, 1) : [];
      w.btc.mine(made);
      w.btc.mempool.push(...later);
    } else {
      const made = Array.from({ length: n }, () => ethDeposit(w));
      const later = rng.chance(0.2) ? made.splice(0, 1) : [];
      w.eth.mine(made);
      w.eth.mempool.push(...later);
    }
    txs += n;
  }
  return `mine ${chain} ${blocks} blocks, ${txs} txs (tip ${chain === 'BTC' ? w.btc.tip : w.eth.tip})`;
}

function reorg(w: World, chain: Chain): string {
  const { rng } = w;
  const node = chain === 'BTC' ? w.btc : w.eth;
  const required = w.required(chain);
  // Shallower and deeper than the confirmation depth (never below the genesis block).
  const depth = Math.min(node.tip, rng.int(1, 2 * required + 2));
  const newLength = Math.max(
    0,
    depth +
      rng.weighted([
        [1, -1],
        [3, 0],
        [3, 1],
        [2, 2],
      ]),
  );
  if (depth < 1) return `reorg ${chain}: chain too short`;
  w.count(depth >= required ? 'deep reorgs' : 'shallow reorgs');
  if (chain === 'BTC') w.btc.reorg(depth, newLength, (t) => btcFate(w, t));
  else w.eth.reorg(depth, newLength, (t) => ethFate(w, t));
  return `reorg ${chain} depth ${depth} -> ${newLength} new blocks (tip ${node.tip}, required ${required})`;
}

async function rescanOnline(w: World, chain: Chain): Promise<string> {
  const node = chain === 'BTC' ? w.btc : w.eth;
  const from = Math.max(0, node.tip - w.rng.int(0, 12));
  const d = w.daemon;
  if (!d) return `rescan ${chain} online from ${from}: daemon down`;
  try {
    await w.clock.until(d.scanners[chain].rescanFrom(from));
    w.count('online rescans');
    return `rescan ${chain} online from ${from}`;
  } catch (err) {
    if (err instanceof TellerError && err.code === 'bad_rescan')
      return `rescan ${chain} from ${from}: refused`;
    // The injected disk error reaches the operator's rescan: they would see it and go on.
    if (err instanceof StoreError) return `rescan ${chain} from ${from}: failed (${err.message})`;
    throw err;
  }
}

/** Stops the daemon (gracefully, or killed at a random store call), maybe rescans offline, restarts. */
async function restart(w: World): Promise<string> {
  const { rng } = w;
  const kill = rng.chance(0.5);
  const afterCalls = rng.int(1, 80);
  const writes = rng.chance(0.5);
  const rescan = rng.chance(0.3) ? { chain: rng.pick(['BTC', 'ETH'] as const), back: rng.int(0, 12) } : null;
  const newRates = rng.chance(0.6) ? w.randomRates() : w.generation.rates;
  const d = w.daemon;
  let what = kill
    ? `kill after ${afterCalls} store calls (${writes ? 'written' : 'lost'})`
    : 'graceful restart';
  if (d && kill) {
    d.gate.armKill(afterCalls, writes);
    for (let i = 0; i < 40 && !d.gate.dead; i++) await w.clock.advance(250);
    if (!d.gate.dead) what += ' (not reached: killed at once)';
    else w.count('kills mid-write');
  }
  w.count(kill ? 'kills' : 'graceful restarts');
  await w.stop(kill ? 'killed' : 'graceful');
  if (rescan) {
    const node = rescan.chain === 'BTC' ? w.btc : w.eth;
    const from = Math.max(0, node.tip - rescan.back);
    const store = await Store.open(w.dir);
    try {
      await rescanStoredCursor(store, rescan.chain, from);
      w.count('offline rescans');
      what += `; offline rescan ${rescan.chain} from ${from}`;
    } catch (err) {
      if (!(err instanceof TellerError && err.code === 'bad_rescan')) throw err;
      what += `; offline rescan ${rescan.chain} from ${from} refused`;
    } finally {
      await store.close();
    }
  }
  await w.start(newRates);
  return `${what}; rates ${JSON.stringify(newRates)}`;
}

/** The dummy payout chain confirms `txid` (its ledger is in the store: an injected disk error may fail it). */
async function confirmDummy(w: World, dummy: DummySender, txid: string): Promise<void> {
  try {
    await w.clock.until(dummy.confirm(txid, undefined));
  } catch (err) {
    if (!(err instanceof StoreError)) throw err;
  }
}

/** The payout chain moves: the dummy sender's payouts confirm, or the EVM chain mines, spikes, drops. */
async function payoutChain(w: World): Promise<string> {
  const { rng } = w;
  const event = rng.weighted([
    [5, 'mine'],
    [3, 'spike'],
    [1, 'calm'],
    [2, 'drop'],
  ] as const);
  const factor = BigInt(rng.int(2, 100));
  const pick = rng.next();
  const p = w.payout;
  if (p.kind === 'dummy') {
    const d = w.daemon;
    if (!d?.dummy) return 'payout chain: daemon down';
    let n = 0;
    for (const tx of d.dummy.list()) {
      if (tx && !tx.confirmed && rng.chance(0.8)) {
        await confirmDummy(w, d.dummy, tx.txid);
        n++;
      }
    }
    return `dummy payout chain confirms ${n} payouts`;
  }
  switch (event) {
    case 'mine':
      return `payout chain mines ${p.chain.mine()} payouts (base fee ${p.chain.baseFee})`;
    case 'spike':
      p.chain.spike(factor);
      w.count('fee spikes');
      return `payout chain base fee spikes to ${p.chain.baseFee}`;
    case 'calm':
      p.chain.calm();
      return `payout chain base fee back to ${p.chain.baseFee}`;
    case 'drop': {
      const pending = [...p.chain.pool.keys()];
      if (pending.length === 0) return 'payout chain: nothing to drop';
      const hash = pending[Math.floor(pick * pending.length)];
      p.chain.drop(hash);
      w.count('dropped payouts');
      return `payout chain drops ${hash}`;
    }
  }
}

/** Draws one command and applies it; returns its trace line. */
export async function step(w: World): Promise<string> {
  const { rng } = w;
  const chain = rng.pick(['BTC', 'ETH'] as const);
  const kind = rng.weighted([
    [6, 'mine'],
    [6, 'tick'],
    [2, 'reorg'],
    [1, 'outage'],
    [1, 'rescan'],
    [1.5, 'restart'],
    [w.payout.kind === 'evm' ? 3 : 2, 'payouts'],
    [1, 'fault'],
  ] as const);
  w.current = `${kind} ${chain}`;
  switch (kind) {
    case 'mine':
      return mine(w, chain);
    case 'tick': {
      const ms = rng.int(1, 12) * 250;
      await w.clock.advance(ms);
      return `tick ${ms} ms`;
    }
    case 'reorg':
      return reorg(w, chain);
    case 'outage': {
      const ms = rng.int(1, 8) * SCAN_PERIOD_MS;
      (chain === 'BTC' ? w.btc : w.eth).downUntil = Date.now() + ms;
      w.count('outages');
      return `${chain} node down for ${ms} ms`;
    }
    case 'rescan':
      return rescanOnline(w, chain);
    case 'restart':
      return restart(w);
    case 'payouts':
      return payoutChain(w);
    case 'fault': {
      const after = rng.int(1, 30);
      w.daemon?.gate.armFault(after);
      w.count('failed writes');
      return `store write ${after} from now fails`;
    }
  }
}

/** Lets everything settle: nodes up, every chain confirms its mempool, payouts confirmed. */
export async function finish(w: World): Promise<void> {
  w.btc.downUntil = 0;
  w.eth.downUntil = 0;
  if (w.payout.kind === 'evm') w.payout.chain.calm();
  for (let i = 0; i <= w.confirmations.BTC; i++) w.btc.mine();
  for (let i = 0; i <= w.confirmations.ETH; i++) w.eth.mine();
  w.note(`finish: tips BTC ${w.btc.tip}, ETH ${w.eth.tip}`);
  w.daemon?.gate.disarmFault();
  if (!w.daemon) await w.start(w.generation.rates);
  // Until both scanners are at the tip, every deposit is finished and every payout confirmed
  // (twice in a row), or 60 s of fake time.
  for (let i = 0, quiet = 0; i < 30 && quiet < 2; i++) {
    await w.clock.advance(2 * SCAN_PERIOD_MS);
    const d = w.daemon;
    if (!d) break;
    let busy = d.scanners.BTC.status().height !== w.btc.tip || d.scanners.ETH.status().height !== w.eth.tip;
    if (w.payout.kind === 'evm') {
      if (w.payout.chain.mine() > 0 || w.payout.chain.pool.size > 0) busy = true;
    }
    const dummy = d.dummy;
    for (const tx of dummy?.list() ?? []) {
      if (dummy && tx && !tx.confirmed) {
        await confirmDummy(w, dummy, tx.txid);
        busy = true;
      }
    }
    const records = await w.clock.until(d.deposits.list());
    if (records.some((r) => r.status !== 'done' && r.error === '')) busy = true;
    // The operator retries what an injected disk error stopped (the exchange treats a store error
    // as permanent: the deposit waits for an admin retry, as the admin API offers).
    for (const r of records.filter((r) => r.error.includes(INJECTED_FAULT))) {
      await w.clock.until(d.exchange.retry(r.deposit_id));
      w.count('operator retries');
      busy = true;
    }
    quiet = busy ? 0 : quiet + 1;
  }
  await w.stop('graceful');
}
