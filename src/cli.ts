#!/usr/bin/env node
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { App } from './app';
import { startupSummary } from './service/summary';
import { COMMANDS_USAGE, runCommand, splitArgs } from './commands';
import { ConfigError, loadConfig, redactConfig, resolveConfigPath } from './config';
import { TellerError, errorMessage } from './util/errors';
import { createLogger } from './util/logger';

/** Exit codes: 0 clean stop, 1 runtime/startup failure, 2 bad flags or config. */
const EXIT_FAILURE = 1;
const EXIT_USAGE = 2;
const SHUTDOWN_TIMEOUT_MS = 15_000;

const USAGE = `Usage: teller [-c <config>] [-d <data dir>]
       teller <command> [args]

Runs the Teller OTC daemon.

Options:
  -c, --config <path>  config file: a path, or a name looked up as <name>.toml in the data
                       dir, then in the working dir (default "config")
  -d, --dir <path>     data dir (default ~/.teller-skycoin), created if missing
  -h, --help           this help
  -v, --version        print the version

${COMMANDS_USAGE}`;

interface BuildInfo {
  version: string;
  commit: string;
}

function buildInfo(): BuildInfo {
  try {
    return JSON.parse(readFileSync(path.join(__dirname, 'version.json'), 'utf8')) as BuildInfo;
  } catch {
    return { version: '0.0.0', commit: '' };
  }
}

const fail = (code: number, message: string): never => {
  process.stderr.write(message.endsWith('\n') ? message : message + '\n');
  process.exit(code);
};

async function main(argv: string[]): Promise<void> {
  // -c/-d are the daemon's wherever they stand; a command's own flags (--status...) are its own.
  const { global, command } = splitArgs(argv);
  let parsed;
  try {
    parsed = parseArgs({
      args: global,
      allowPositionals: true,
      options: {
        config: { type: 'string', short: 'c' },
        dir: { type: 'string', short: 'd' },
        help: { type: 'boolean', short: 'h' },
        version: { type: 'boolean', short: 'v' },
      },
    });
  } catch (err) {
    return fail(EXIT_USAGE, `teller: ${errorMessage(err)}\n\n${USAGE}`);
  }
  const { values } = parsed;
  if (values.help) {
    process.stdout.write(USAGE);
    return;
  }
  const info = buildInfo();
  if (values.version) {
    process.stdout.write(`teller ${info.version}${info.commit ? ` (${info.commit})` : ''}\n`);
    return;
  }
  const dataDir = path.resolve(values.dir ?? path.join(os.homedir(), '.teller-skycoin'));
  if (command.length > 0) {
    // exitCode, not exit(): a command's output to a pipe is flushed before the process ends.
    process.exitCode = await runCommand(command, { dataDir, configArg: values.config });
    return;
  }
  await runDaemon(dataDir, values.config, info);
}

async function runDaemon(dataDir: string, configArg: string | undefined, info: BuildInfo): Promise<void> {
  try {
    mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  } catch (err) {
    fail(EXIT_FAILURE, `teller: cannot create data dir ${dataDir}: ${errorMessage(err)}`);
  }
  let loaded;
  try {
    loaded = loadConfig(resolveConfigPath(configArg, dataDir, process.cwd()));
  } catch (err) {
    if (err instanceof ConfigError) return fail(EXIT_USAGE, err.message);
    return fail(EXIT_USAGE, `Config error:\n${errorMessage(err)}`);
  }
  const { config, warnings } = loaded;
  const logger = createLogger({ debug: config.debug, logfile: config.logfile });
  const log = logger.log;
  for (const w of warnings) log.warn(w);
  log.info({ dataDir, version: info.version, commit: info.commit }, 'starting teller');
  // The whole config (~150 lines in a terminal) only at debug; 'teller started' summarises it.
  log.debug({ config: redactConfig(config) }, 'config');

  process.on('unhandledRejection', (err) => {
    // A promise nobody handles is a bug: exit so the supervisor restarts us from the store.
    log.fatal({ err }, 'unhandled rejection: exiting');
    logger.flush();
    process.exit(EXIT_FAILURE);
  });

  const pidfile = config.pidfile ? path.resolve(config.pidfile) : '';
  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) {
      log.warn({ signal }, 'second signal: exiting now');
      process.exit(EXIT_FAILURE);
    }
    stopping = true;
    log.info({ signal }, 'shutting down');
    const timer = setTimeout(() => {
      log.error('shutdown took longer than 15 s: exiting');
      process.exit(EXIT_FAILURE);
    }, SHUTDOWN_TIMEOUT_MS);
    timer.unref();
    starting
      .then((app) => app?.stop())
      .catch((err: unknown) => log.error({ err }, 'error while stopping'))
      .finally(() => {
        if (pidfile) rmSync(pidfile, { force: true });
        logger.flush();
        process.exit(0);
      });
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGHUP', () => {
    logger.reopen();
    log.info('log file reopened');
  });

  // Signals are handled from here on, so a SIGTERM during startup still stops cleanly.
  const starting = App.start({ config, dataDir, log, version: info.commit }).then(
    (app) => {
      if (pidfile) writeFileSync(pidfile, `${process.pid}\n`);
      log.info(startupSummary(app.ctx, app.listeners()), 'teller started');
      return app;
    },
    (err: unknown) => {
      log.error({ err }, 'startup failed');
      logger.flush();
      // A config problem found only once the files it names are read (a bad pool file): exit 2.
      if (err instanceof ConfigError) return fail(EXIT_USAGE, err.message);
      return fail(EXIT_FAILURE, `teller: ${err instanceof TellerError ? err.message : errorMessage(err)}`);
    },
  );
  await starting;
}

main(process.argv.slice(2)).catch((err: unknown) => fail(EXIT_FAILURE, `teller: ${errorMessage(err)}`));
