import { existsSync } from 'node:fs';
import path from 'node:path';
import { COMMANDS_USAGE, splitArgs } from '../../../../src/commands/index';
import { Store } from '../../../../src/store/store';
import { tmpDir, walk } from '../helpers';
import { dataDirWith, run, withOpenStore, writeConfig } from './run';

describe('runCommand', () => {
  it('lists every command in its usage', () => {
    for (const c of [
      'backup restore',
      'audit verify',
      'deposits list',
      'deposits show',
      'deposits export',
      'deposits retry',
      'rescan',
      'recheck',
    ]) {
      expect(COMMANDS_USAGE).toContain(`  ${c} `);
    }
  });

  it('an unknown command is exit 2 with the usage', async () => {
    const r = await run(['deposits', 'frobnicate'], tmpDir());
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/unknown command "deposits frobnicate"/);
    expect(r.err).toContain('deposits list');
  });

  it('bad flags and arguments are exit 2 with the command usage; --help is exit 0', async () => {
    const dir = tmpDir();
    let r = await run(['deposits', 'list', '--bogus'], dir);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/teller deposits list: .*bogus[\s\S]*Usage: teller deposits list \[--status/);
    r = await run(['deposits', 'show'], dir);
    expect([r.code, r.err]).toEqual([2, expect.stringMatching(/missing argument/)]);
    r = await run(['deposits', 'show', 'a', 'b'], dir);
    expect([r.code, r.err]).toEqual([2, expect.stringMatching(/unexpected argument "b"/)]);
    r = await run(['rescan', 'BTC', '--help'], dir);
    expect([r.code, r.out]).toEqual([
      0,
      expect.stringMatching(/^Usage: teller rescan <BTC\|ETH> <from_height>/),
    ]);
  });

  it('a data dir without a store is exit 1, and nothing is created there', async () => {
    const dir = tmpDir();
    const r = await run(['deposits', 'list'], dir);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/no teller store at .*teller\.db: check -d/);
    expect(existsSync(path.join(dir, 'teller.db'))).toBe(false);
  });

  it("a running daemon's store is refused with the store's error and the admin API route", async () => {
    const dir = await dataDirWith(async (d) => void (await walk(d, 'aa', 0, 'waiting_send')));
    const daemon = await Store.open(path.join(dir, 'teller.db'));
    try {
      const r = await run(['deposits', 'retry', 'aa:0'], dir);
      expect(r.code).toBe(1);
      expect(r.err).toMatch(/already in use: is another teller already running on it\?/);
      expect(r.err).toMatch(/use POST \/api\/deposits\/aa:0\/retry on the admin API/);
    } finally {
      await daemon.close();
    }
  });

  it('reads dbfile from the config (-c), and a missing config given with -c is exit 2', async () => {
    const dir = await dataDirWith(async (d) => void (await walk(d, 'cc', 0, 'done')), 'custom.db');
    const config = writeConfig(tmpDir(), 'custom.db');
    const r = await run(['deposits', 'list', '--format', 'json'], dir, config);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out).map((x: { deposit_id: string }) => x.deposit_id)).toEqual(['cc:0']);
    // Without -c there is no config.toml: teller.db, which does not exist here.
    expect((await run(['deposits', 'list'], dir)).code).toBe(1);
    const missing = await run(['deposits', 'list'], dir, path.join(dir, 'nope.toml'));
    expect(missing.code).toBe(2);
    expect(missing.err).toMatch(/config file ".*nope\.toml" not found/);
    await withOpenStore(dir, async (d) => expect(await d.get('cc:0')).toBeDefined(), 'custom.db');
  });
});

describe('splitArgs', () => {
  it.each([
    [['deposits', 'list'], [], ['deposits', 'list']],
    [
      ['-d', 'x', 'deposits', 'list', '--status', 'done'],
      ['-d', 'x'],
      ['deposits', 'list', '--status', 'done'],
    ],
    [
      ['backup', 'restore', 'f.db', '-d', 'dir'],
      ['-d', 'dir'],
      ['backup', 'restore', 'f.db'],
    ],
    [
      ['--config=c.toml', 'rescan', 'BTC', '5', '--dir', 'd'],
      ['--config=c.toml', '--dir', 'd'],
      ['rescan', 'BTC', '5'],
    ],
    [['-cconf', '-v'], ['-cconf', '-v'], []],
    [['--bogus'], ['--bogus'], []],
    [['deposits', 'list', '-h'], [], ['deposits', 'list', '-h']],
  ])('%j', (argv, global, command) => {
    expect(splitArgs(argv)).toEqual({ global, command });
  });
});
