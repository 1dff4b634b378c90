import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { baseConfig, CLI, mergeConfig, REPO_ROOT, toToml, type TomlTable } from '../../test/helpers/daemon';
import { sleep } from './stats';

/** bench/run.mjs runs the daemon from its own snapshot of dist/ (BENCH_DIST). */
const cli = (): string => (process.env.BENCH_DIST ? path.join(process.env.BENCH_DIST, 'cli.js') : CLI);

/**
 * The built daemon as a child process (`node dist/cli.js -c <toml> -d <dir>`), with the test
 * harness's base config (dummy scanner and sender, ephemeral ports, throttling off). Ready = the
 * `teller started` log line; its `listening` lines give the ports.
 */

export interface RunningDaemon {
  child: ChildProcess;
  pid: number;
  /** spawn → `teller started`, ms. */
  readyMs: number;
  listeners: Map<string, string>;
  url(listener: string): string;
  output(): string;
  stop(): Promise<void>;
}

const READY_TIMEOUT_MS = 60_000;

export { baseConfig, mergeConfig, type TomlTable };

export function writeConfig(dir: string, config: TomlTable): string {
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, 'config.toml');
  writeFileSync(file, toToml(config));
  return file;
}

export function launchDaemon(
  configFile: string,
  dataDir: string,
  env: Record<string, string> = {},
): Promise<RunningDaemon> {
  const t0 = performance.now();
  // BENCH_DAEMON_NODE_ARGS: node flags for the daemon alone, e.g. `--cpu-prof --cpu-prof-dir=/tmp/p`.
  const nodeArgs = (process.env.BENCH_DAEMON_NODE_ARGS ?? '').split(' ').filter((a) => a !== '');
  const child = spawn(process.execPath, [...nodeArgs, cli(), '-c', configFile, '-d', dataDir], {
    cwd: REPO_ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  // The log is kept as a ring of recent chunks: under load the daemon logs every request, and
  // copying a growing string per chunk would load this process, where autocannon also runs.
  const chunks: string[] = [];
  const keep = (s: string): void => {
    chunks.push(s);
    if (chunks.length > 2000) chunks.splice(0, 1000);
  };
  const output = (): string => chunks.join('');
  let pending = '';
  const listeners = new Map<string, string>();
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return new Promise((resolve, reject) => {
    let ready = false;
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`daemon not ready within ${READY_TIMEOUT_MS} ms:\n${output().slice(-4000)}`));
    }, READY_TIMEOUT_MS);
    child.stderr?.setEncoding('utf8');
    child.stdout?.setEncoding('utf8');
    child.stderr?.on('data', keep);
    child.stdout?.on('data', (s: string) => {
      keep(s);
      if (ready) return;
      pending += s;
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) {
        if (ready || !line.startsWith('{')) continue;
        const entry = JSON.parse(line) as { msg?: string; listener?: string; address?: string };
        if (entry.msg === 'listening' && entry.listener && entry.address)
          listeners.set(entry.listener, entry.address);
        if (entry.msg === 'teller started') {
          ready = true;
          clearTimeout(timer);
          const readyMs = performance.now() - t0;
          resolve({
            child,
            pid: child.pid ?? 0,
            readyMs,
            listeners,
            url: (name) => `http://${listeners.get(name) ?? ''}`,
            output,
            stop: async () => {
              if (child.exitCode === null && child.signalCode === null) {
                child.kill('SIGTERM');
                const kill = setTimeout(() => child.kill('SIGKILL'), 20_000);
                await exited;
                clearTimeout(kill);
              }
            },
          });
        }
      }
    });
    void exited.then(() => {
      if (ready) return;
      clearTimeout(timer);
      reject(new Error(`daemon exited (${child.exitCode}) before it was ready:\n${output().slice(-4000)}`));
    });
  });
}

/** Resident set (VmRSS) and its peak (VmHWM) of a process, in MB. */
export function memoryOf(pid: number): { rssMb: number; peakMb: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (field: string): number =>
    Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
  return { rssMb: kb('VmRSS') / 1024, peakMb: kb('VmHWM') / 1024 };
}

/** Resident memory is read this long after ready (timers and first GCs settle). */
export const SETTLE_MS = 1_000;

export interface StartupSample {
  readyMs: number;
  rssMb: number;
  peakMb: number;
}

/** Starts the daemon on `dataDir`, reads its time to ready and, SETTLE_MS later, its memory; stops it. */
export async function sampleStartup(configFile: string, dataDir: string): Promise<StartupSample> {
  const d = await launchDaemon(configFile, dataDir);
  try {
    await sleep(SETTLE_MS);
    return { readyMs: d.readyMs, ...memoryOf(d.pid) };
  } finally {
    await d.stop();
  }
}
