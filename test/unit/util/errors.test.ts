import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { SenderError } from '../../../src/chains/errors';
import { ConfigError, loadConfig } from '../../../src/config/load';
import { bindError, ExchangeError } from '../../../src/exchange/errors';
import { GoJsonError } from '../../../src/http/go-json';
import { OpsError } from '../../../src/ops/errors';
import { TellerError } from '../../../src/util/errors';

describe('TellerError cause', () => {
  it('keeps the error it was built from, and its message unchanged', () => {
    const inner = new Error('EACCES: permission denied');
    const err = new OpsError('backup_failed', 'backup failed: EACCES: permission denied', false, {
      cause: inner,
    });
    expect(err.cause).toBe(inner);
    expect(err.message).toBe('backup failed: EACCES: permission denied');
    expect([err.name, err.code, err.retryable]).toEqual(['OpsError', 'backup_failed', false]);
  });

  it('has no cause unless given one', () => {
    expect('cause' in new TellerError('x', 'y')).toBe(false);
    expect(new SenderError('m').cause).toBeUndefined();
  });

  it('passes through the subclasses that take options', () => {
    const inner = new Error('bad toml');
    expect(new ConfigError(['a.toml: bad toml'], [], { cause: inner }).cause).toBe(inner);
    expect(new SenderError('m', true, 'broadcast_failed', { cause: inner }).cause).toBe(inner);
  });

  it("reaches a JSON log line: pino's err serializer (createLogger sets no other) prints the cause", () => {
    const lines: string[] = [];
    const log = pino({ base: undefined }, { write: (line: string) => void lines.push(line) });
    const inner = new Error('disk on fire');
    log.error(
      { err: new OpsError('backup_failed', 'backup failed', false, { cause: inner }) },
      'scheduled backup failed',
    );
    const { err } = JSON.parse(lines[0]) as {
      err: { type: string; code: string; message: string; stack: string };
    };
    expect(err.type).toBe('OpsError');
    expect(err.code).toBe('backup_failed');
    expect(err.message).toContain('disk on fire');
    expect(err.stack).toMatch(/^OpsError: backup failed\n[\s\S]*\ncaused by: Error: disk on fire\n\s+at /);
  });
});

describe('a rethrow keeps the cause', () => {
  it('loadConfig of a missing file: the same text, and the fs error (ENOENT, its path) as cause', () => {
    const err = ((): unknown => {
      try {
        return loadConfig('nope.toml', { cwd: os.tmpdir() });
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(ConfigError);
    const { message, cause } = err as ConfigError;
    expect(message).toMatch(/^Config error:\nnope\.toml: cannot read the config file: ENOENT: no such file/);
    expect(cause).toMatchObject({ code: 'ENOENT', path: path.join(os.tmpdir(), 'nope.toml') });
  });
});

describe('TellerError typed codes', () => {
  it('an area with a fixed list of codes refuses any other (tsc checks the @ts-expect-error lines)', () => {
    // @ts-expect-error 'backup_faild' is not an OpsErrorCode
    expect(new OpsError('backup_faild', 'm').code).toBe('backup_faild');
    // @ts-expect-error 'broadcast_fail' is not a SenderErrorCode
    expect(new SenderError('m', true, 'broadcast_fail').code).toBe('broadcast_fail');
    // @ts-expect-error 'pool_emtpy' is not a BindErrorCode
    expect(bindError('pool_emtpy', 'm').code).toBe('pool_emtpy');
    const codes: ['config_invalid', 'invalid_json'] = [new ConfigError([]).code, new GoJsonError('EOF').code];
    expect(codes).toEqual(['config_invalid', 'invalid_json']);
  });

  it('a typed error is still a TellerError with a string code', () => {
    const errs: TellerError[] = [new OpsError('timeout', 'm', true), bindError('max_bound', 'm')];
    expect(errs.map((e) => e.code)).toEqual(['timeout', 'max_bound']);
    expect(errs[1]).toBeInstanceOf(ExchangeError);
  });
});
