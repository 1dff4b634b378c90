#!/usr/bin/env node
// bcoin@1.0.2 regtest launcher with Bitcoin Core compatible address prefixes and RPC shims.
'use strict';

// 1. Core regtest prefixes (bcoin 1.0.2 ships R.../rb1... for regtest).
//    Must happen before anything calls Network.get('regtest').
const networks = require('bcoin/lib/protocol/networks');
const rt = networks.regtest;
rt.addressPrefix = {
  pubkeyhash: 0x6f,
  scripthash: 0xc4,
  witnesspubkeyhash: 0x03,
  witnessscripthash: 0x28,
  bech32: 'bcrt',
};
rt.keyPrefix = {
  privkey: 0xef,
  xpubkey: 0x043587cf,
  xprivkey: 0x04358394,
  xpubkey58: 'tpub',
  xprivkey58: 'tprv',
  coinType: 1,
};

// 1b. BIP350: bcoin 1.0.2 predates bech32m, so witness v1+ (taproot) addresses
//     fail to parse and would be printed with a bech32 (wrong) checksum.
const bech32 = require('bstring').bech32; // same object bcoin's address.js uses
{
  const CS = 'qpzry9x8gf2tvdw0s3jn54khce6mua7l';
  const G = [0x3b6a57b2, 0x26508e6d, 0x1ea119fa, 0x3d4233dd, 0x2a1462b3];
  const polymod = (vs) => {
    let c = 1;
    for (const v of vs) {
      const b = c >>> 25;
      c = ((c & 0x1ffffff) << 5) ^ v;
      for (let i = 0; i < 5; i++) if ((b >>> i) & 1) c ^= G[i];
    }
    return c >>> 0;
  };
  const hrpx = (h) =>
    [...h]
      .map((ch) => ch.charCodeAt(0) >> 5)
      .concat(
        [0],
        [...h].map((ch) => ch.charCodeAt(0) & 31),
      );
  const conv = (data, from, to, pad) => {
    let acc = 0,
      bits = 0;
    const out = [];
    const max = (1 << to) - 1;
    for (const v of data) {
      acc = (acc << from) | v;
      bits += from;
      while (bits >= to) {
        bits -= to;
        out.push((acc >> bits) & max);
      }
    }
    if (pad) {
      if (bits) out.push((acc << (to - bits)) & max);
    } else if (bits >= from || (acc << (to - bits)) & max) throw new Error('Invalid bech32 padding.');
    return out;
  };
  const K = (ver) => (ver === 0 ? 1 : 0x2bc830a3);
  bech32.encode = (hrp, version, hash) => {
    const data = [version, ...conv(hash, 8, 5, true)];
    const mod = polymod([...hrpx(hrp), ...data, 0, 0, 0, 0, 0, 0]) ^ K(version);
    const chk = [0, 1, 2, 3, 4, 5].map((i) => (mod >>> (5 * (5 - i))) & 31);
    return hrp + '1' + [...data, ...chk].map((d) => CS[d]).join('');
  };
  bech32.decode = (str) => {
    const s = str.toLowerCase();
    if (str !== s && str !== str.toUpperCase()) throw new Error('Mixed case.');
    const pos = s.lastIndexOf('1');
    if (pos < 1 || s.length - pos < 8) throw new Error('Invalid bech32 string.');
    const hrp = s.slice(0, pos);
    const data = [...s.slice(pos + 1)].map((ch) => {
      const i = CS.indexOf(ch);
      if (i < 0) throw new Error('Invalid bech32 character.');
      return i;
    });
    const version = data[0];
    if (polymod([...hrpx(hrp), ...data]) !== K(version)) throw new Error('Invalid bech32 checksum.');
    const hash = Buffer.from(conv(data.slice(1, -6), 5, 8, false));
    return { hrp, version, hash };
  };
  bech32.test = (str) => {
    try {
      bech32.decode(str);
      return true;
    } catch (e) {
      return false;
    }
  };
}

const bcoin = require('bcoin');
bcoin.set('regtest'); // default network for Address#toString() (wallet RPC bug)

// 2. RPC shims: getblock <hash> 2, Core>=22 style scriptPubKey {address,type}.
const RPC = require('bcoin/lib/node/rpc');
const CORE_TYPES = {
  NONSTANDARD: 'nonstandard',
  PUBKEY: 'pubkey',
  PUBKEYHASH: 'pubkeyhash',
  SCRIPTHASH: 'scripthash',
  MULTISIG: 'multisig',
  NULLDATA: 'nulldata',
  WITNESSPUBKEYHASH: 'witness_v0_keyhash',
  WITNESSSCRIPTHASH: 'witness_v0_scripthash',
  WITNESSMALFORMED: 'witness_unknown',
};
const getBlock = RPC.prototype.getBlock;
RPC.prototype.getBlock = function (args, help) {
  if (args.length >= 2 && typeof args[1] === 'number') {
    const v = args[1];
    args = [args[0], v >= 1, v >= 2];
  }
  return getBlock.call(this, args, help);
};
const scriptToJSON = RPC.prototype.scriptToJSON;
RPC.prototype.scriptToJSON = function (script, hex) {
  const json = scriptToJSON.call(this, script, hex);
  const raw = script.toRaw();
  if (raw.length === 34 && raw[0] === 0x51 && raw[1] === 0x20)
    json.type = 'witness_v1_taproot'; // bcoin 1.0.2 calls it WITNESSMALFORMED
  else json.type = CORE_TYPES[json.type] || String(json.type).toLowerCase();
  if (json.addresses.length === 1) json.address = json.addresses[0];
  return json;
};

// sendrawtransaction: bcoin 1.0.2 calls node.relay() without awaiting it and
// returns the txid even when the mempool REJECTS the tx (only a log line).
// Make it behave like Core: -26 <reason> / -25 missing inputs / -22 decode.
const path = require('path');
const { RPCError } = require(
  require.resolve('bweb', { paths: [path.dirname(require.resolve('bcoin/package.json'))] }),
);
const TX = require('bcoin/lib/primitives/tx');
RPC.prototype.sendRawTransaction = async function (args, help) {
  if (help || args.length < 1 || args.length > 2)
    throw new RPCError(-1, 'sendrawtransaction "hexstring" ( maxfeerate )');
  const hex = args[0];
  let tx;
  try {
    if (typeof hex !== 'string' || !/^([0-9a-fA-F]{2})+$/.test(hex)) throw new Error('bad hex');
    tx = TX.fromRaw(Buffer.from(hex, 'hex'));
  } catch (e) {
    throw new RPCError(-22, 'TX decode failed');
  }
  let missing;
  try {
    missing = await this.mempool.addTX(tx);
  } catch (err) {
    if (err.type !== 'VerifyError') throw err;
    if (err.reason === 'txn-already-in-mempool') return tx.txid();
    if (err.reason === 'txn-already-known') throw new RPCError(-27, 'Transaction already in block chain');
    throw new RPCError(-26, err.reason);
  }
  if (missing) {
    this.mempool.removeOrphan(tx.hash('hex'));
    throw new RPCError(-25, 'bad-txns-inputs-missingorspent');
  }
  return tx.txid();
};

// Wallet RPC: Core's `getnewaddress [label] [address_type]` (bcoin needs an
// account name and rejects a 2nd argument).
const WalletRPC = require('bcoin/lib/wallet/rpc');
const getNewAddress = WalletRPC.prototype.getNewAddress;
WalletRPC.prototype.getNewAddress = function (args, help) {
  return getNewAddress.call(this, [(args && args[0]) || 'default'], help);
};

// 3. Start exactly like node_modules/bcoin/bin/node does.
const FullNode = require('bcoin/lib/node/fullnode');
const node = new FullNode({
  config: true,
  argv: true,
  env: true,
  logFile: true,
  logConsole: true,
  logLevel: 'info',
  memory: false,
  workers: true,
  listen: true,
  network: 'regtest',
  loader: require,
});
if (!node.config.bool('no-wallet') && !node.has('walletdb')) node.use(require('bcoin/lib/wallet/plugin'));

process.on('unhandledRejection', (err) => {
  throw err;
});
(async () => {
  await node.ensure();
  await node.open();
  await node.connect();
  node.startSync();
})().catch((err) => {
  console.error(err.stack);
  process.exit(1);
});
