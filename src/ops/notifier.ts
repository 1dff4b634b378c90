import { backoffDelayMs, sleep } from '../util/backoff';
import type { Logger } from '../util/logger';
import { OpsError } from './errors';
import type { NotificationResult } from './metrics';

/**
 * Operator alerts to a Slack-compatible webhook (`notification.hook_url`): POST
 * `{"text": "[<server_name>] <message>"}`. `notify()` only queues, so the pipeline never waits on a
 * webhook; one worker delivers in order, retrying each message with bounded exponential backoff.
 * Beyond MAX_QUEUE undelivered messages the oldest are dropped (with a warning): a webhook that is
 * down for hours must not grow memory without bound. Every message is also logged, so the log
 * stays the record when no hook is configured or delivery fails.
 */

const MAX_QUEUE = 1000;
const DEFAULT_TRIES = 5;
const DEFAULT_RETRY_BASE_MS = 1_000;
const RETRY_CAP_MS = 30_000;
const REQUEST_TIMEOUT_MS = 10_000;
/** How long stop() lets the worker flush what is queued before giving up on it. */
const DEFAULT_FLUSH_MS = 3_000;

export interface NotifierOptions {
  hookUrl: string;
  serverName: string;
  log: Logger;
  /** Delivery attempts per message (default 5). */
  tries?: number;
  /** First retry delay; doubles per attempt, capped at 30 s, jittered (util/backoff; default 1 s). */
  retryBaseMs?: number;
  requestTimeoutMs?: number;
  maxQueue?: number;
  /** Counts deliveries (TellerMetrics.countNotification). */
  onResult?: (result: NotificationResult) => void;
}

export class Notifier {
  private readonly queue: string[] = [];
  private readonly controller = new AbortController();
  private worker: Promise<void> | null = null;
  private stopped = false;
  private droppedSinceWarn = 0;

  constructor(private readonly opts: NotifierOptions) {}

  get enabled(): boolean {
    return this.opts.hookUrl !== '';
  }

  /** Messages waiting for delivery (including the one being delivered). */
  get pending(): number {
    return this.queue.length;
  }

  /** The text as sent: `[<server_name>] <message>`, without the brackets when no name is set. */
  format(message: string): string {
    return this.opts.serverName === '' ? message : `[${this.opts.serverName}] ${message}`;
  }

  /** Queues `message` for delivery; returns at once. */
  notify(message: string): void {
    if (!this.enabled || this.stopped) return;
    const max = this.opts.maxQueue ?? MAX_QUEUE;
    // The head is being delivered while the worker runs: drop the oldest behind it.
    const oldest = this.worker ? 1 : 0;
    while (this.queue.length >= max && this.queue.length > oldest) {
      this.queue.splice(oldest, 1);
      this.droppedSinceWarn++;
      this.opts.onResult?.('dropped');
    }
    if (this.droppedSinceWarn > 0) {
      this.opts.log.warn({ dropped: this.droppedSinceWarn, max }, 'alert queue full: oldest alerts dropped');
      this.droppedSinceWarn = 0;
    }
    this.queue.push(this.format(message));
    this.worker ??= this.drain(this.controller.signal).finally(() => {
      this.worker = null;
    });
  }

  /** Stops taking messages; lets the worker flush for up to `flushMs`, then abandons the rest. */
  async stop(flushMs = DEFAULT_FLUSH_MS): Promise<void> {
    this.stopped = true;
    const worker = this.worker;
    if (worker) {
      let timer: NodeJS.Timeout | undefined;
      const deadline = new Promise<void>((resolve) => (timer = setTimeout(resolve, flushMs)));
      await Promise.race([worker, deadline]);
      clearTimeout(timer);
    }
    this.controller.abort();
    await this.worker;
    if (this.queue.length > 0)
      this.opts.log.warn({ undelivered: this.queue.length }, 'alerts not delivered at shutdown');
  }

  private async drain(signal: AbortSignal): Promise<void> {
    while (this.queue.length > 0 && !signal.aborted) {
      const text = this.queue[0];
      const delivered = await this.deliver(text, signal);
      if (signal.aborted) return;
      this.queue.shift();
      this.opts.onResult?.(delivered ? 'sent' : 'failed');
    }
  }

  private async deliver(text: string, signal: AbortSignal): Promise<boolean> {
    const tries = this.opts.tries ?? DEFAULT_TRIES;
    const base = this.opts.retryBaseMs ?? DEFAULT_RETRY_BASE_MS;
    for (let attempt = 1; ; attempt++) {
      try {
        await this.post(text, signal);
        return true;
      } catch (err) {
        if (signal.aborted) return false;
        // Network errors and timeouts are worth retrying; so are 408, 429 and 5xx answers.
        const retryable = !(err instanceof OpsError) || err.retryable;
        const fields = { err, attempt, tries };
        if (!retryable || attempt >= tries) {
          this.opts.log.error({ ...fields, alert: text }, 'alert delivery failed: giving up on this alert');
          return false;
        }
        this.opts.log.warn(fields, 'alert delivery failed; retrying');
        await sleep(backoffDelayMs(attempt - 1, base, RETRY_CAP_MS), signal);
      }
    }
  }

  private async post(text: string, signal: AbortSignal): Promise<void> {
    const timeout = AbortSignal.timeout(this.opts.requestTimeoutMs ?? REQUEST_TIMEOUT_MS);
    const res = await fetch(this.opts.hookUrl, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ text }),
      signal: AbortSignal.any([signal, timeout]),
      redirect: 'error',
    });
    // Read the body so that the keep-alive connection is reused; the status alone decides, so a body
    // that fails to arrive changes nothing.
    await res.arrayBuffer().catch(() => undefined);
    if (res.ok) return;
    const retryable = res.status >= 500 || res.status === 408 || res.status === 429;
    throw new OpsError('delivery_failed', `webhook answered HTTP ${res.status}`, retryable);
  }
}
