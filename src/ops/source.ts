import type { DepositStore } from '../exchange/deposit-store';
import type { Binder } from '../exchange/binder';
import type { Exchange } from '../exchange/exchange';
import type { AddressPool } from '../pool';
import type { Scanner } from '../scanner/types';
import type { Sender } from '../sender/types';
import type { Store } from '../store/store';
import { OpsError } from './errors';

/**
 * What operator tooling (metrics, monitors, readiness, admin ops routes) reads from the running
 * daemon: a narrow view of AppContext (src/service/context.ts), which satisfies it as is. Narrow,
 * so that tests can hand in small fakes.
 */
export interface OpsSource {
  store: Store;
  deposits: Pick<DepositStore, 'errored' | 'get'>;
  pools: ReadonlyMap<string, Pick<AddressPool, 'total' | 'remaining'>>;
  sender: Pick<Sender, 'coin' | 'decimals' | 'balance' | 'feeAlerts' | 'nonceGap'>;
  scanners: readonly Pick<Scanner, 'chain' | 'status'>[];
  exchange: Pick<Exchange, 'soldOut'>;
  /** Binds per pool in the last hour (the pool-low alert's hours left). */
  binder?: Pick<Binder, 'bindsLastHour'>;
}

/** A promise that rejects after `ms` (a hung node call must not hang a scrape or a check). */
export function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new OpsError('timeout', `${what} timed out after ${ms} ms`, true)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}
