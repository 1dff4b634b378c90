import os from 'node:os';
import path from 'node:path';
import * as ccxt from 'ccxt';
import pino from 'pino';
import { SenderError } from '../../../src/chains/errors';
import { classifyEthError } from '../../../src/chains/ethereum/provider';
import { ConfigError, loadConfig } from '../../../src/config/load';
import { bindError, ExchangeError } from '../../../src/exchange/errors';
import { GoJsonError } from '../../../src/http/go-json';
import { OpsError } from '../../../src/ops/errors';
import { mapCcxtError } from '../../../src/passthrough/ccxt-errors';
import { InsufficientFundsError, PassthroughStateError } from '../../../src/passthrough/errors';
import { TellerError } from '../../../src/util/errors';
import { LOG_OPTIONS } from '../../../src/util/logger';

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

  it("reaches a JSON log line of the daemon's logger: message as is, the cause nested with its stack and fields", () => {
    const lines: string[] = [];
    const log = pino({ level: 'info', ...LOG_OPTIONS }, { write: (line: string) => void lines.push(line) });
    const inner = Object.assign(new Error("EACCES: permission denied, open '/b/x.db'"), { code: 'EACCES' });
    const message = `backup to /b/x.db failed: ${inner.message}`;
    log.error(
      { err: new OpsError('backup_failed', message, false, { cause: inner }) },
      'scheduled backup failed',
    );
    const { err } = JSON.parse(lines[0]) as {
      err: Record<string, unknown> & { cause: Record<string, unknown> };
    };
    expect(err).toMatchObject({ type: 'OpsError', code: 'backup_failed', message });
    expect(err.stack).toMatch(/^OpsError: backup to \/b\/x\.db failed: /);
    expect(err.cause).toMatchObject({ type: 'Error', message: inner.message, code: 'EACCES' });
    expect(err.cause.stack).toMatch(/^Error: EACCES: permission denied, open '\/b\/x\.db'\n\s+at /);
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
  it('classifyEthError and mapCcxtError translate a library error and keep it as cause', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:8545'), { code: 'ECONNREFUSED' });
    const eth = classifyEthError(refused, 'eth_blockNumber');
    expect([eth.message, eth.retryable, eth.cause]).toEqual([
      'eth_rpc eth_blockNumber: connect ECONNREFUSED 127.0.0.1:8545',
      true,
      refused,
    ]);
    const funds = new ccxt.InsufficientFunds('binance: Account has insufficient balance');
    const mapped = mapCcxtError(funds, 'place') as InsufficientFundsError;
    expect(mapped).toBeInstanceOf(InsufficientFundsError);
    expect([mapped.message, mapped.cause]).toEqual([funds.message, funds]);
  });
});

describe('TellerError typed codes', () => {
  it('an area with a fixed list of codes refuses any other (tsc checks the @ts-expect-error lines)', () => {
    // @ts-expect-error 'backup_faild' is not an OpsErrorCode
    expect(new OpsError('backup_faild', 'm').code).toBe('backup_faild');
    // @ts-expect-error 'broadcast_fail' is not a SenderErrorCode
    expect(new SenderError('m', true, 'broadcast_fail').code).toBe('broadcast_fail');
    // @ts-expect-error 'sim_invalde' is not a PassthroughStateCode
    expect(new PassthroughStateError('m', 'sim_invalde').code).toBe('sim_invalde');
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
