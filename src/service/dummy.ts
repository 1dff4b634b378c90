import type { ScannedDeposit } from '../core/deposit';
import { formatUnits } from '../core/amounts';
import type { DummyService } from '../http/services';
import type { AppContext } from './context';

/** What the dummy control API reads of the daemon. */
export type DummyContext = Pick<AppContext, 'dummyScanner' | 'dummySender' | 'exchange' | 'log'>;

/** The dummy control API (teller's /dummy/... routes) over the dummy scanner and sender. */
export class DummyApiService implements DummyService {
  constructor(private readonly ctx: DummyContext) {}

  validateDepositAddress(coin: string, addr: string): string | null {
    const scanner = this.ctx.dummyScanner;
    return scanner ? scanner.addressError(coin, addr) : 'dummy scanner is off';
  }

  deposit(d: ScannedDeposit): boolean {
    return this.ctx.dummyScanner?.push(d) ?? false;
  }

  async broadcasts(): Promise<object[]> {
    const sender = this.ctx.dummySender;
    if (!sender) return [];
    return sender.list().map((tx) => ({
      txid: tx.txid,
      outputs: [{ address: tx.to, coins: formatUnits(tx.amount, sender.decimals, 6) }],
      confirmed: tx.confirmed,
    }));
  }

  async confirm(txid: string | undefined, seq: number | undefined): Promise<boolean> {
    const found = await this.ctx.dummySender?.confirm(txid, seq);
    if (found === undefined) return false;
    // teller answers 200 either way; the log says why a repeated confirm did nothing.
    if (!found.changed) {
      this.ctx.log.info(
        { txid: found.tx.txid, seq: found.tx.seq, reason: 'already confirmed' },
        'dummy confirm changed nothing',
      );
    }
    return true;
  }

  async setBalance(coins: bigint): Promise<void> {
    await this.ctx.dummySender?.setBalance(coins);
    await this.ctx.exchange.wakeWaitingSend();
  }

  failNextBroadcast(armed: boolean): void {
    this.ctx.dummySender?.failNextBroadcast(armed);
  }
}
