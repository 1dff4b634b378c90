import pino from 'pino';

export type Logger = pino.Logger;

export interface LoggerOptions {
  debug: boolean;
  /** Also append JSON lines to this file ('' = stdout only). Reopened on `reopen()` (SIGHUP). */
  logfile: string;
  /** Pretty output on stdout (default: when stdout is a terminal). */
  pretty?: boolean;
}

export interface LoggerHandle {
  log: Logger;
  /** Reopens the log file (logrotate moved it away). */
  reopen(): void;
  flush(): void;
}

/**
 * The daemon's pino options, the level aside. A logged `err` keeps its own message and carries its
 * cause nested (type, message, stack, and fields such as an errno's `code` and `path`): pino's
 * default serializer appends the cause's message to `message`, which our errors already quote,
 * and drops those fields.
 */
export const LOG_OPTIONS = {
  base: undefined,
  redact: ['pass', 'secret', 'key', 'token', 'privateKey', 'password'],
  serializers: { err: pino.stdSerializers.errWithCause },
} satisfies pino.LoggerOptions;

/** pino: pretty in a terminal, JSON otherwise; `debug` picks the level; `logfile` adds a file. */
export function createLogger(opts: LoggerOptions): LoggerHandle {
  const level = opts.debug ? 'debug' : 'info';
  const pretty = opts.pretty ?? Boolean(process.stdout.isTTY);
  // JSON lines are written asynchronously (what is logged while a write is in flight goes out with
  // the next one): a synchronous write per line cost a sixth of the CPU of an /api/status request.
  // pino flushes them on exit; flush() does it before an explicit process.exit.
  const json = pretty ? undefined : pino.destination({ fd: 1, sync: false });
  const stdout =
    json ??
    // pino-pretty as a synchronous stream keeps log order with process exit.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    (require('pino-pretty') as typeof import('pino-pretty'))({ colorize: true, sync: true });
  const file = opts.logfile ? pino.destination({ dest: opts.logfile, mkdir: true, sync: false }) : undefined;
  const streams: pino.StreamEntry[] = [{ level, stream: stdout }];
  if (file) streams.push({ level, stream: file });
  const log = pino(
    { level, ...LOG_OPTIONS },
    // One stream is written to directly: multistream's dispatch is a cost on every line.
    streams.length === 1 ? stdout : pino.multistream(streams),
  );
  const flushSync = (dest: typeof json): void => {
    try {
      dest?.flushSync();
    } catch {
      // A log file still opening (it opens asynchronously) cannot be flushed: its few lines are lost.
    }
  };
  return {
    log,
    reopen: () => file?.reopen(),
    flush: () => {
      flushSync(json);
      flushSync(file);
    },
  };
}

/** A logger that writes nothing, for tests. */
export const silentLogger = (): Logger => pino({ level: 'silent' });
