import type { Config } from '../config/types';
import type { Logger } from '../util/logger';
import { BackupScheduler } from './backup-schedule';
import { TellerMetrics } from './metrics';
import { Monitors } from './monitors';
import { Notifier } from './notifier';
import type { OpsSource } from './source';

/**
 * Operator tooling as the daemon runs it: metrics, the alert notifier and its monitors, scheduled
 * backups. Built from the AppContext (which satisfies OpsContext as is); started once the pipeline
 * runs, stopped after the listeners close and before the store does.
 */

export { TellerMetrics } from './metrics';
export { Notifier } from './notifier';
export { Monitors } from './monitors';
export { BackupScheduler } from './backup-schedule';
export { verifyAudit } from './audit';
export { rateGauges, rateObserver } from './rate-metrics';
export type { OpsSource } from './source';

export interface OpsContext extends OpsSource {
  config: Config;
  log: Logger;
  /** Build commit (teller_build_info). */
  version: string;
}

export interface OperatorToolsOptions {
  /** Metrics made before the daemon was assembled (default: made here). */
  metrics?: TellerMetrics;
  /** Monitor check interval (default 30 s; tests use less). */
  monitorIntervalMs?: number;
  /** Node.js process metrics (default true). */
  processMetrics?: boolean;
}

export class OperatorTools {
  readonly metrics: TellerMetrics;
  readonly notifier: Notifier;
  readonly monitors: Monitors;
  readonly backups: BackupScheduler;

  constructor(ctx: OpsContext, dataDir: string, opts: OperatorToolsOptions = {}) {
    const { config, log } = ctx;
    this.metrics =
      opts.metrics ??
      new TellerMetrics({
        log: log.child({ part: 'metrics' }),
        version: ctx.version,
        processMetrics: opts.processMetrics,
      });
    this.metrics.watch(ctx);
    const metrics = this.metrics;
    this.notifier = new Notifier({
      hookUrl: config.notification.hook_url,
      serverName: config.notification.server_name,
      log: log.child({ part: 'alerts' }),
      onResult: (r) => metrics.countNotification(r),
    });
    this.monitors = new Monitors({
      source: ctx,
      notification: config.notification,
      notifier: this.notifier,
      log: log.child({ part: 'monitors' }),
      intervalMs: opts.monitorIntervalMs,
    });
    this.backups = new BackupScheduler({
      store: ctx.store,
      dataDir,
      backup: config.backup,
      log: log.child({ part: 'backup' }),
    });
  }

  /** Starts the periodic checks and the backup schedule (when backup.schedule is set). */
  start(): void {
    this.monitors.start();
    this.backups.start();
  }

  /** Stops checks, waits for a backup being written, flushes queued alerts briefly. */
  async stop(): Promise<void> {
    await this.monitors.stop();
    await this.backups.stop();
    await this.notifier.stop();
  }
}
