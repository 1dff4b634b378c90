import { AbiCoder, encodeBytes32String, makeError } from 'ethers';
import {
  bumpFees,
  decodePayoutTx,
  erc20Abi,
  nodeErrorMessage,
  PayoutTxError,
  payoutCall,
  withGasMargin,
} from '../../../src/chains/ethereum/payout-tx';
import { classifyRejection } from '../../../src/sender/evm-node';
import { RECIPIENT, TOKEN } from './evm-fake-node';

describe('nodeErrorMessage', () => {
  test.each([
    [
      'ethers UNKNOWN_ERROR',
      makeError('could not coalesce error', 'UNKNOWN_ERROR', { error: { message: 'already known' } }),
      'already known',
    ],
    [
      'ethers NONCE_EXPIRED',
      makeError('nonce has already been used', 'NONCE_EXPIRED', {
        info: { error: { code: -32003, message: 'nonce too low' } },
      }),
      'nonce too low',
    ],
    [
      'refused connection',
      Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:8545'), { code: 'ECONNREFUSED' }),
      null,
    ],
    ['ethers TIMEOUT', makeError('timeout', 'TIMEOUT', { operation: 'request', reason: 'timeout' }), null],
    ['a string', 'boom', null],
  ])('%s', (_name, err, message) => {
    expect(nodeErrorMessage(err)).toBe(message);
  });
});

describe('classifyRejection', () => {
  test.each([
    ['already known', 'known'],
    ['transaction already imported', 'known'],
    ['Known transaction', 'known'],
    ['ALREADY_KNOWN', 'known'],
    ['nonce too low', 'nonce_too_low'],
    ['nonce too low: next nonce 5, tx nonce 3', 'nonce_too_low'],
    ['OldNonce', 'nonce_too_low'],
    ['NONCE_TOO_LOW', 'nonce_too_low'],
    ['replacement transaction underpriced', 'underpriced'],
    ['REPLACEMENT_UNDERPRICED', 'underpriced'],
    ['Insufficient funds for gas * price + value', 'insufficient_funds'],
    ['invalid chain id for signer', 'invalid'],
    ['invalid sender', 'invalid'],
    ['intrinsic gas too low', 'invalid'],
    ['transaction underpriced', 'other'],
    ['max fee per gas less than block base fee', 'other'],
    ['txpool is full', 'other'],
  ])('%s → %s', (message, kind) => {
    expect(classifyRejection(message)).toBe(kind);
  });
});

describe('payout transactions', () => {
  test('bumpFees: +12.5% rounded up, or the node current fees when higher', () => {
    expect(
      bumpFees(
        { maxFeePerGas: 1000n, maxPriorityFeePerGas: 101n },
        { maxFeePerGas: 1n, maxPriorityFeePerGas: 1n },
      ),
    ).toEqual({
      maxFeePerGas: 1125n,
      maxPriorityFeePerGas: 114n,
    });
    expect(
      bumpFees(
        { maxFeePerGas: 1000n, maxPriorityFeePerGas: 100n },
        { maxFeePerGas: 5000n, maxPriorityFeePerGas: 200n },
      ),
    ).toEqual({
      maxFeePerGas: 5000n,
      maxPriorityFeePerGas: 200n,
    });
    // The fee cap never falls below the tip.
    expect(
      bumpFees(
        { maxFeePerGas: 100n, maxPriorityFeePerGas: 100n },
        { maxFeePerGas: 1n, maxPriorityFeePerGas: 900n },
      ),
    ).toEqual({
      maxFeePerGas: 900n,
      maxPriorityFeePerGas: 900n,
    });
  });

  test('withGasMargin adds 20%', () => {
    expect(withGasMargin(21_000n)).toBe(25_200n);
  });

  test('payoutCall checksums the recipient and the token', () => {
    expect(payoutCall(RECIPIENT.toLowerCase(), 5n, null)).toEqual({ to: RECIPIENT, value: 5n, data: '0x' });
    const call = payoutCall(RECIPIENT, 5n, TOKEN);
    expect(call.to).toBe('0x5FbDB2315678afecb367f032d93F642f64180aa3');
    expect(call.data.slice(0, 10)).toBe('0xa9059cbb');
  });

  test('decodePayoutTx refuses what is not a signed EIP-1559 transaction', () => {
    expect(() => decodePayoutTx('0x1234')).toThrow(PayoutTxError);
    expect(() => decodePayoutTx('nothex')).toThrow(PayoutTxError);
  });

  test('token symbol as string or bytes32 (old tokens)', () => {
    expect(erc20Abi.decodeSymbol(AbiCoder.defaultAbiCoder().encode(['string'], ['USDC']))).toBe('USDC');
    expect(erc20Abi.decodeSymbol(encodeBytes32String('MKR'))).toBe('MKR');
  });
});
