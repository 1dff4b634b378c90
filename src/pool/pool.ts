import { PoolExhaustedError, PoolUnknownAddressError } from './errors';

/** The pool's addresses in file order: an array, or a list made on demand (src/pool/stamp.ts). */
export interface AddressList {
  readonly length: number;
  at(index: number): string | undefined;
}

/**
 * One coin's deposit addresses in memory: handed out strictly in file order, never twice.
 *
 * The pool is pure. Allocating is `peek()`, then the caller writes "used" (with the binding) in its
 * own atomic store batch, then `markUsed()` — so a bind that fails consumes nothing. Callers
 * serialise peek → write → markUsed per coin (two concurrent binds must not peek the same address),
 * or keep the addresses of writes in flight and take the next with `peekExcept`.
 * Addresses are compared exactly as given: pass them through `normalizeAddress` first.
 */
export class AddressPool {
  private readonly addresses: AddressList;
  /**
   * Every address handed out, now or in an earlier run, in the file or not. Checking the address
   * itself (not a position) means even a repeated entry could not be issued twice.
   */
  private readonly used: Set<string>;
  private usedInPool = 0;
  /** Every address before this index is used: peek never looks back, so it is O(1) amortised. */
  private cursor = 0;
  /**
   * Addresses at or after the cursor already made by the list (a stamped text pool makes each on
   * demand): with binds in flight, peekExcept walks past theirs on every call, and made each again.
   */
  private readonly ahead = new Map<number, string | undefined>();
  /**
   * The pool's addresses as a set, built on first need (`has`, or marking an address other than
   * the next one). A million-entry set costs about 0.4 s, which startup need not pay.
   */
  private members: Set<string> | undefined;

  /**
   * @param addresses the pool, normalized, unique (as validatePool returns it), in file order.
   * @param used addresses handed out before (from the store). Ones no longer in the file are
   *   ignored for the counts, and can never be issued since only file addresses are.
   */
  constructor(
    readonly coin: string,
    addresses: AddressList,
    used: Iterable<string>,
  ) {
    this.addresses = addresses;
    this.used = new Set(used);
    // Addresses go out in file order, so the used ones are normally the file's first ones: count
    // that prefix, and look through the rest of the file only if some used address lies beyond it.
    // (A million lookups cost ~0.2 s at startup; the prefix costs one per used address.)
    while (this.cursor < addresses.length && this.used.has(addresses.at(this.cursor) ?? '')) this.cursor++;
    this.usedInPool = this.cursor;
    if (this.used.size > this.cursor) {
      for (let i = this.cursor; i < addresses.length; i++)
        if (this.used.has(addresses.at(i) ?? '')) this.usedInPool++;
    }
  }

  /** The next address to hand out (the first unused one in file order), or undefined when none is left. */
  peek(): string | undefined {
    while (this.cursor < this.addresses.length && this.used.has(this.aheadAt(this.cursor) ?? ''))
      this.ahead.delete(this.cursor++);
    return this.aheadAt(this.cursor);
  }

  /** `addresses.at(index)` for an index at or after the cursor, made once. */
  private aheadAt(index: number): string | undefined {
    if (this.ahead.has(index)) return this.ahead.get(index);
    const addr = this.addresses.at(index);
    this.ahead.set(index, addr);
    return addr;
  }

  /**
   * The first unused address not in `skip` (addresses promised to binds whose write is still in
   * flight: they follow the cursor, so this looks at most `skip.size` addresses further than peek).
   */
  peekExcept(skip: ReadonlySet<string>): string | undefined {
    let addr = this.peek();
    for (let i = this.cursor + 1; addr !== undefined && skip.has(addr); i++) {
      while (i < this.addresses.length && this.used.has(this.aheadAt(i) ?? '')) i++;
      addr = this.aheadAt(i);
    }
    return addr;
  }

  /** Like peek, but an empty pool is teller's `Deposit address pool is empty` (PoolExhaustedError). */
  next(): string {
    const addr = this.peek();
    if (addr === undefined) throw new PoolExhaustedError(this.coin);
    return addr;
  }

  /** Records that `addr` was handed out; idempotent. An address not in the pool is a caller bug. */
  markUsed(addr: string): void {
    if (addr !== this.peek() && !this.has(addr)) throw new PoolUnknownAddressError(this.coin, addr);
    if (this.used.has(addr)) return;
    this.used.add(addr);
    this.usedInPool++;
  }

  /** Unused addresses left (teller's `Remaining()`, shown by the monitor). */
  remaining(): number {
    return this.addresses.length - this.usedInPool;
  }

  /** Pool addresses already handed out (used addresses no longer in the file not counted). */
  usedCount(): number {
    return this.usedInPool;
  }

  total(): number {
    return this.addresses.length;
  }

  /** Whether `addr` is one of this pool's addresses, used or not. */
  has(addr: string): boolean {
    if (!this.members) {
      this.members = new Set();
      for (let i = 0; i < this.addresses.length; i++) this.members.add(this.addresses.at(i) ?? '');
    }
    return this.members.has(addr);
  }

  isUsed(addr: string): boolean {
    return this.used.has(addr) && this.has(addr);
  }
}
