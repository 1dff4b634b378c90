import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { BTC_POOL, CLI, REPO_ROOT } from '../helpers/daemon';

/**
 * The README's walk-through, run as a newcomer runs it (issue 21): its shell blocks, verbatim, in
 * one bash session against `node dist/cli.js -c config.example.toml` (what `npm start` runs, on a
 * fresh data dir), twice in a row and once more after a restart on the same data dir. Each block's
 * output must be what the README shows after it. The README's URLs are the example config's fixed
 * ports, so everything runs in a network namespace of its own (unshare): nothing else on the
 * machine can hold those ports, and the daemon cannot reach beyond it.
 */

const START = '<!-- walkthrough:start -->';
const END = '<!-- walkthrough:end -->';

interface Step {
  /** The ```sh block, as written. */
  commands: string;
  /** The ```text block right after it ('' when the block prints nothing). */
  expected: string;
}

function walkthroughSteps(markdown: string): Step[] {
  const start = markdown.indexOf(START);
  const end = markdown.indexOf(END);
  if (start < 0 || end < start) throw new Error(`README.md has no ${START} … ${END} section`);
  const steps: Step[] = [];
  for (const m of markdown.slice(start, end).matchAll(/^```(sh|text)\n([\s\S]*?)^```$/gm)) {
    if (m[1] === 'sh') steps.push({ commands: m[2], expected: '' });
    else if (steps.length > 0 && steps[steps.length - 1].expected === '')
      steps[steps.length - 1].expected = m[2];
    else throw new Error(`an output block with no command block before it:\n${m[2]}`);
  }
  return steps;
}

/**
 * Output as the README shows it for run `run` (1 = a clean data dir): each run binds the pool's
 * next address, and txids (64 hex digits) are random, so any txid matches.
 */
function expectedPattern(expected: string, run: number): RegExp {
  const text = expected.replaceAll(BTC_POOL[0], BTC_POOL[run - 1]);
  const escaped = text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/[0-9a-f]{64}/g, '[0-9a-f]{64}');
  return new RegExp(`^${escaped}$`);
}

const READY_POLLS = 300; // × 0.1 s

function script(dir: string, data: string, steps: Step[]): string {
  const runSteps = (run: number): string =>
    steps.map((_, i) => `. "${dir}/step-${i}.sh" > "${dir}/out-${run}-${i}.txt" 2>&1\n`).join('');
  return `ip link set lo up || exit 1
cd "${REPO_ROOT}"
start() {
  node "${CLI}" -c config.example.toml -d "${data}" >> "${dir}/daemon.log" 2>&1 &
  PID=$!
  for _ in $(seq ${READY_POLLS}); do
    curl -sf -o /dev/null http://127.0.0.1:7071/api/health && return 0
    kill -0 "$PID" 2>/dev/null || return 1
    sleep 0.1
  done
  return 1
}
stop() { kill -TERM "$PID"; wait "$PID"; }
start || { echo "the daemon did not start" >&2; exit 1; }
${runSteps(1)}${runSteps(2)}stop
start || { echo "the daemon did not start again" >&2; exit 1; }
${runSteps(3)}stop
`;
}

function runInNetns(file: string): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('unshare', ['--net', '--map-root-user', 'bash', file], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr.on('data', (c: Buffer) => (output += c.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, output }));
  });
}

describe('README walk-through (issue 21)', () => {
  const steps = walkthroughSteps(readFileSync(path.join(REPO_ROOT, 'README.md'), 'utf8'));
  let dir: string;

  beforeAll(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'teller-walkthrough-'));
  });
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('has command blocks with the output each prints', () => {
    expect(steps.length).toBeGreaterThanOrEqual(4);
    expect(steps.filter((s) => s.expected !== '').length).toBeGreaterThanOrEqual(4);
  });

  it('prints what the README shows, pasted twice in a row and again after a restart', async () => {
    steps.forEach((s, i) => writeFileSync(path.join(dir, `step-${i}.sh`), s.commands));
    const file = path.join(dir, 'walkthrough.sh');
    writeFileSync(file, script(dir, path.join(dir, 'data'), steps));
    const { code, output } = await runInNetns(file);
    const log = (): string => readFileSync(path.join(dir, 'daemon.log'), 'utf8');
    expect({ code, output }).toEqual({ code: 0, output: '' });
    for (const run of [1, 2, 3]) {
      steps.forEach((s, i) => {
        const got = readFileSync(path.join(dir, `out-${run}-${i}.txt`), 'utf8');
        const want = expectedPattern(s.expected, run);
        if (!want.test(got)) {
          throw new Error(
            `run ${run}, block ${i + 1}:\n${s.commands}\nprinted:\n${got}\nthe README shows:\n${s.expected}\n` +
              `daemon log (tail):\n${log().split('\n').slice(-30).join('\n')}`,
          );
        }
      });
    }
    // Nothing went wrong on the way that the outputs would not show.
    const errors = log()
      .split('\n')
      .filter((l) => l.startsWith('{') && (JSON.parse(l) as { level: number }).level >= 50);
    expect(errors).toEqual([]);
  }, 120_000);
});
