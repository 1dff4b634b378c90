import { postJson, requestJson, ApiError } from '../shared/http';
import { arr, bool, isObject, num, obj, str, type JsonObject } from '../shared/json';

/** The public API as the buyer page reads it (teller-http.md §2.7, plus this daemon's additions). */

export interface DepositCoin {
  /** The `deposits` key: btc, eth, sky or a token symbol in lower case. */
  key: string;
  /** What /api/bind takes as coin_type. */
  coinType: string;
  enabled: boolean;
  confirmationsRequired: number;
  /** Payout coins per 1 deposit coin, a decimal string. */
  rate: string;
  passthroughMinimumVolume: string;
  /** This daemon's `rates.<coin>` (absent with fixed config rates): config, operator or market. */
  rateSource: string;
  /** Unix seconds the rate was last updated (0 when not reported). */
  rateUpdatedAt: number;
  /** Why binds of the coin pause ('' when they do not). */
  ratePaused: string;
}

export interface PublicConfig {
  enabled: boolean;
  buyMethod: string;
  maxBoundAddrs: number;
  maxDecimals: number;
  coins: DepositCoin[];
  payoutCoin: string;
  soldOut: boolean;
}

export interface Health {
  senderError: string;
  processorError: string;
  /** Hot wallet balance in payout coins, a decimal string; '' when unknown. */
  balance: string;
  /** This daemon's flag (teller has none): nothing left to pay out. */
  soldOut: boolean;
}

export interface DepositStatus {
  coinType: string;
  depositAddress: string;
  status: string;
  confirmations: number;
  confirmationsRequired: number;
  depositValue: string;
  payoutValue: string;
  payoutCoin: string;
  payoutTxid: string;
  error: string;
  updatedAt: number;
}

export interface BindResult {
  depositAddress: string;
  coinType: string;
  buyMethod: string;
}

/** Known coins first, in this order; tokens after them alphabetically. */
const COIN_ORDER = ['btc', 'eth', 'sky'];

function parseCoin(key: string, v: JsonObject, rate: JsonObject): DepositCoin {
  return {
    rateSource: str(rate, 'source', 'config'),
    rateUpdatedAt: num(rate, 'updated_at'),
    ratePaused: str(rate, 'paused'),
    key,
    coinType: key.toUpperCase(),
    enabled: bool(v, 'enabled'),
    confirmationsRequired: num(v, 'confirmations_required'),
    rate: str(v, 'fixed_exchange_rate'),
    passthroughMinimumVolume: str(v, 'passthrough_minimum_volume', '0'),
  };
}

export function parseConfig(raw: unknown): PublicConfig {
  const o = obj(raw);
  const deposits = obj(o.deposits);
  const rank = (k: string): number => (COIN_ORDER.includes(k) ? COIN_ORDER.indexOf(k) : COIN_ORDER.length);
  const coins = Object.keys(deposits)
    .filter((k) => isObject(deposits[k]))
    .sort((a, b) => rank(a) - rank(b) || a.localeCompare(b))
    .map((k) => parseCoin(k, obj(deposits[k]), obj(obj(o.rates)[k])));
  return {
    enabled: bool(o, 'enabled'),
    buyMethod: str(o, 'buy_method', 'direct'),
    maxBoundAddrs: num(o, 'max_bound_addrs'),
    maxDecimals: num(o, 'max_decimals', 3),
    coins,
    payoutCoin: str(o, 'payout_coin', 'SKY').toUpperCase(),
    soldOut: bool(o, 'sold_out'),
  };
}

export function parseHealth(raw: unknown): Health {
  const exchange = obj(obj(raw).exchange);
  return {
    soldOut: bool(obj(raw), 'sold_out'),
    senderError: str(exchange, 'sender_error'),
    processorError: str(exchange, 'processor_error'),
    balance: str(obj(exchange.balance), 'coins'),
  };
}

function parseStatusV2(v: JsonObject): DepositStatus {
  return {
    coinType: str(v, 'coin_type'),
    depositAddress: str(v, 'deposit_address'),
    status: str(v, 'status'),
    confirmations: num(v, 'confirmations'),
    confirmationsRequired: num(v, 'confirmations_required'),
    depositValue: str(v, 'deposit_value'),
    payoutValue: str(v, 'payout_value'),
    payoutCoin: str(v, 'payout_coin'),
    payoutTxid: str(v, 'payout_txid'),
    error: str(v, 'error'),
    updatedAt: num(v, 'updated_at'),
  };
}

/** Teller's /api/status entries carry only status, coin and time. */
function parseStatusV1(v: JsonObject): DepositStatus {
  return {
    ...parseStatusV2({}),
    coinType: str(v, 'coin_type'),
    status: str(v, 'status'),
    updatedAt: num(v, 'updated_at'),
  };
}

export const fetchConfig = async (): Promise<PublicConfig> => parseConfig(await requestJson('/api/config'));

export const fetchHealth = async (): Promise<Health> => parseHealth(await requestJson('/api/health'));

export async function bind(skyaddr: string, coinType: string): Promise<BindResult> {
  const o = obj(await postJson('/api/bind', { skyaddr, coin_type: coinType }));
  return {
    depositAddress: str(o, 'deposit_address'),
    coinType: str(o, 'coin_type', coinType),
    buyMethod: str(o, 'buy_method'),
  };
}

/**
 * Statuses of a receive address: /api/v2/status (per-deposit detail) while the server has it,
 * else teller's /api/status. `useV2` is cleared on a 404 so later polls go straight to v1.
 */
export class StatusClient {
  private useV2 = true;

  async fetch(address: string): Promise<DepositStatus[]> {
    const q = `skyaddr=${encodeURIComponent(address)}`;
    if (this.useV2) {
      try {
        const o = obj(await requestJson(`/api/v2/status?${q}`));
        return arr(o, 'deposits').map((d) => parseStatusV2(obj(d)));
      } catch (err) {
        if (!(err instanceof ApiError && err.status === 404)) throw err;
        this.useV2 = false;
      }
    }
    const o = obj(await requestJson(`/api/status?${q}`));
    return arr(o, 'statuses').map((d) => parseStatusV1(obj(d)));
  }
}
