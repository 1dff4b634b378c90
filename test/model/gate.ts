import { StoreError } from '../../src/store/errors';
import type { Op, Store } from '../../src/store/store';

/**
 * The daemon's view of the store, through a gate the model controls:
 *  - it counts store calls in flight, so the driver knows when the daemon is idle (no real I/O
 *    pending) before it moves the fake clock on;
 *  - it "kills" the daemon at a chosen store call: that call and every later one never returns
 *    (the call at the kill point is written or not, the model's choice), as if the process died
 *    there. Batches that returned before are durable (the store writes with sync), the rest never
 *    happened;
 *  - it fails one chosen write (a disk error) while the daemon runs on;
 *  - it runs store calls one at a time, in call order, so that their completions (and so what the
 *    daemon's concurrent tasks do next) come in the same order in every run of a seed.
 */

/** The daemon's writes of first-sighting terms (store space `deposit_terms`), by deposit id. */
export interface TermsWrites {
  /** Ids whose terms a write made durable. */
  readonly written: Set<string>;
  /** Ids whose terms were in the write the gate failed. */
  readonly failed: Set<string>;
}

export const INJECTED_FAULT = 'model: write failed (injected disk error)';

const never = <T>(): Promise<T> => new Promise<T>(() => undefined);
const PROMISED = new Set(['get', 'getMany', 'keyList', 'values', 'write', 'forEachEntry', 'forEachKey']);
const ITERATED = new Set(['entries', 'keys']);

export class StoreGate {
  /** Store calls whose real I/O is in flight. */
  inFlight = 0;
  /** Iterations open through the gate. */
  iterating = 0;
  /** Store calls made so far. */
  calls = 0;
  /** The call number at which the process dies (Infinity: never). */
  killAt = Infinity;
  /** Whether the call at the kill point still reaches the store. */
  killWrites = false;
  dead = false;
  /** The write call number that fails (a disk error: nothing written, the caller gets the error). */
  failAt = Infinity;
  /** Write calls so far. */
  writes = 0;
  readonly terms: TermsWrites = { written: new Set(), failed: new Set() };
  /**
   * Every store call in call order (method, space, key or ops, the fake time): two runs of a seed
   * that call the store differently have different fingerprints (a replay that is not exact).
   */
  private readonly log: string[];
  readonly store: Store;
  private tail: Promise<unknown> = Promise.resolve();

  constructor(
    readonly raw: Store,
    log: string[] = [],
  ) {
    this.log = log;
    this.store = new Proxy(raw, {
      get: (target, prop, receiver) => {
        const value: unknown = Reflect.get(target, prop, receiver);
        if (typeof prop !== 'string' || typeof value !== 'function') return value;
        const fn = value as (...args: unknown[]) => unknown;
        if (PROMISED.has(prop) || ITERATED.has(prop)) {
          return (...args: unknown[]) => {
            this.fingerprint(prop, args);
            return this.gated(prop, fn, target, args);
          };
        }
        return value;
      },
    });
  }

  private fingerprint(prop: string, args: unknown[]): void {
    // Spaces and keys, not values: the dummy sender's txids are random (the values hold them).
    const ops = prop === 'write' && Array.isArray(args[0]) ? (args[0] as Op[]) : null;
    const what = ops
      ? ops.map((op) => `${op.type} ${op.space} ${op.key}`).join(',')
      : args
          .filter((a) => typeof a !== 'function')
          .map((a) => JSON.stringify(a))
          .join(' ');
    this.log.push(`t=${Date.now() - 1_800_000_000_000} ${prop} ${what}`);
  }

  private gated(prop: string, fn: (...args: unknown[]) => unknown, target: Store, args: unknown[]): unknown {
    if (prop === 'write') {
      return this.promised(() =>
        this.faulty(args[0] as Parameters<Store['write']>[0], () => fn.apply(target, args)),
      );
    }
    if (PROMISED.has(prop)) return this.promised(() => fn.apply(target, args));
    return this.iterated(fn.apply(target, args) as AsyncIterable<unknown>);
  }

  /** Whether the daemon has store calls in flight (a dead one has none that will ever finish). */
  get busy(): boolean {
    if (this.dead) return false;
    return this.inFlight > 0 || this.iterating > 0;
  }

  /** Arms a kill `afterCalls` store calls from now. */
  armKill(afterCalls: number, writes: boolean): void {
    this.killAt = this.calls + Math.max(1, afterCalls);
    this.killWrites = writes;
  }

  /** Arms one failed write, `afterWrites` writes from now. */
  armFault(afterWrites: number): void {
    this.failAt = this.writes + Math.max(1, afterWrites);
  }

  disarmFault(): void {
    this.failAt = Infinity;
  }

  private faulty(ops: Parameters<Store['write']>[0], run: () => unknown): unknown {
    this.writes++;
    const terms = Array.isArray(ops)
      ? ops.filter((op) => op.type === 'put' && op.space === 'deposit_terms').map((op) => op.key)
      : [];
    if (this.writes === this.failAt) {
      for (const id of terms) this.terms.failed.add(id);
      return Promise.reject(new StoreError(INJECTED_FAULT));
    }
    return Promise.resolve(run()).then((v) => {
      for (const id of terms) this.terms.written.add(id);
      return v;
    });
  }

  killNow(): void {
    this.dead = true;
  }

  /** True when this call is the kill point (the process dies here). */
  private reachesKill(): boolean {
    this.calls++;
    if (this.calls < this.killAt) return false;
    this.dead = true;
    return true;
  }

  private promised(run: () => unknown): Promise<unknown> {
    if (this.dead) return never();
    if (this.reachesKill()) {
      // The dead process never sees the outcome.
      if (this.killWrites) this.track(run).catch(() => undefined);
      return never();
    }
    return this.track(run).then((v) => (this.dead ? never() : v));
  }

  /** Runs `run` after every store call made before it has finished. */
  private serial<T>(run: () => T | Promise<T>): Promise<T> {
    const p = this.tail.then(run, run);
    this.tail = p.catch(() => undefined);
    return p;
  }

  private track(run: () => unknown): Promise<unknown> {
    this.inFlight++;
    return this.serial(run).finally(() => this.inFlight--);
  }

  private iterated(source: AsyncIterable<unknown>): AsyncIterable<unknown> {
    // eslint-disable-next-line @typescript-eslint/no-this-alias
    const gate = this;
    return (async function* () {
      if (gate.dead || gate.reachesKill()) return never<undefined>();
      const it = source[Symbol.asyncIterator]();
      gate.iterating++;
      let done = false;
      try {
        while (!done) {
          const r = await gate.serial(() => it.next());
          if (gate.dead) return await never<undefined>();
          done = r.done === true;
          if (!done) yield r.value;
        }
      } finally {
        gate.iterating--;
        if (!done && !gate.dead) await gate.serial(() => it.return?.());
      }
    })();
  }
}
