import {
  TRANSFER_TOPIC,
  TokenConfigError,
  addressTopic,
  decodeTransferLog,
  isLogsTooLarge,
  readTokenDecimals,
} from '../../../src/chains/ethereum/erc20';
import { EthRpcError, type EthRpcClient } from '../../../src/chains/ethereum/provider';

const FROM = '0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266';
const TO = '0x70997970c51812dc3a010c7d01b50e0d17dc79c8';
const CONTRACT = '0xe7f1725e7734ce288f8367e1bb143e90bb3f0512';
const TX = `0x${'ab'.repeat(32)}`;
const BLOCK = `0x${'cd'.repeat(32)}`;
const word = (n: bigint): string => `0x${n.toString(16).padStart(64, '0')}`;

/** A Transfer log as eth_getLogs returns it (anvil's shape, research/infra.md §2.1). */
const log = (over: Record<string, unknown> = {}): Record<string, unknown> => ({
  address: CONTRACT,
  topics: [TRANSFER_TOPIC, addressTopic(FROM), addressTopic(TO)],
  data: word(250_000_000n),
  blockNumber: '0x3f6',
  blockHash: BLOCK,
  blockTimestamp: '0x6b025913',
  transactionHash: TX,
  transactionIndex: '0x0',
  logIndex: '0x2',
  removed: false,
  ...over,
});

describe('TRANSFER_TOPIC and addressTopic', () => {
  it('is keccak256("Transfer(address,address,uint256)")', () => {
    expect(TRANSFER_TOPIC).toBe('0xddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef');
  });
  it('pads an address (any case) to a lowercase 32-byte topic', () => {
    expect(addressTopic('0x70997970C51812dc3A010C7d01b50e0d17dc79C8')).toBe(
      '0x00000000000000000000000070997970c51812dc3a010c7d01b50e0d17dc79c8',
    );
  });
});

describe('decodeTransferLog', () => {
  it('decodes a Transfer: contract, from, to, value, block, tx and log index', () => {
    expect(decodeTransferLog(log())).toEqual({
      contract: CONTRACT,
      from: FROM,
      to: TO,
      value: 250_000_000n,
      blockNumber: 1014,
      blockHash: BLOCK,
      txHash: TX,
      logIndex: 2,
    });
  });

  it('lowercases a node that answers in mixed or upper case', () => {
    const t = decodeTransferLog(
      log({
        address: '0xE7f1725E7734CE288F8367e1Bb143E90bb3F0512',
        topics: [
          TRANSFER_TOPIC.toUpperCase().replace('0X', '0x'),
          addressTopic(FROM),
          addressTopic(TO).toUpperCase().replace('0X', '0x'),
        ],
        transactionHash: TX.toUpperCase().replace('0X', '0x'),
      }),
    );
    expect(t).toMatchObject({ contract: CONTRACT, to: TO, txHash: TX });
  });

  it('keeps every bit of a uint256 value', () => {
    const max = 2n ** 256n - 1n;
    expect(decodeTransferLog(log({ data: word(max) }))?.value).toBe(max);
  });

  const rejected: [string, Record<string, unknown>][] = [
    ['removed by a reorg', { removed: true }],
    [
      'another event (Approval)',
      { topics: [`0x8c5be1e5${'0'.repeat(56)}`, addressTopic(FROM), addressTopic(TO)] },
    ],
    [
      'an ERC-721 Transfer (tokenId indexed)',
      { topics: [TRANSFER_TOPIC, addressTopic(FROM), addressTopic(TO), word(7n)], data: '0x' },
    ],
    ['a non-indexed ERC-20 variant (1 topic)', { topics: [TRANSFER_TOPIC] }],
    [
      'a "to" topic that is not an address',
      { topics: [TRANSFER_TOPIC, addressTopic(FROM), word(2n ** 200n)] },
    ],
    ['short data', { data: '0x01' }],
    ['extra data', { data: word(1n) + '00' }],
    ['no log index', { logIndex: null }],
    ['a pending log (no block number)', { blockNumber: null }],
    ['no transaction hash', { transactionHash: undefined }],
    ['topics not an array', { topics: 'nope' }],
  ];
  it.each(rejected)('ignores %s', (_name, over) => {
    expect(decodeTransferLog(log(over))).toBeNull();
  });

  it.each([null, 'log', 42, []])('ignores %j', (v) => expect(decodeTransferLog(v)).toBeNull());
});

describe('readTokenDecimals', () => {
  const client = (reply: unknown): EthRpcClient & { calls: unknown[][] } => {
    const calls: unknown[][] = [];
    return {
      calls,
      send: async (method, params) => {
        calls.push([method, params]);
        if (reply instanceof Error) throw reply;
        return reply;
      },
    };
  };

  it('calls decimals() (0x313ce567) at latest and decodes the uint8', async () => {
    const c = client(word(6n));
    await expect(readTokenDecimals(c, '0xE7f1725E7734CE288F8367e1Bb143E90bb3F0512')).resolves.toBe(6);
    expect(c.calls).toEqual([['eth_call', [{ to: CONTRACT, data: '0x313ce567' }, 'latest']]]);
  });

  it('says when there is no contract at the address', async () => {
    await expect(readTokenDecimals(client('0x'), CONTRACT)).rejects.toThrow(
      new TokenConfigError(`contract ${CONTRACT}: no contract code at this address`),
    );
  });

  it('rejects an answer that is not a uint8', async () => {
    await expect(readTokenDecimals(client(word(256n)), CONTRACT)).rejects.toThrow(
      /decimals\(\) returned 256/,
    );
    await expect(readTokenDecimals(client('0x12'), CONTRACT)).rejects.toThrow(/decimals\(\) returned "0x12"/);
  });

  it('reports a revert as a config error, a node outage as retryable', async () => {
    const revert = Object.assign(new Error('x'), {
      code: 'CALL_EXCEPTION',
      info: { error: { code: 3, message: 'execution reverted' } },
    });
    await expect(readTokenDecimals(client(revert), CONTRACT)).rejects.toThrow(
      /decimals\(\) failed: execution reverted/,
    );
    const down = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
    const err = await readTokenDecimals(client(down), CONTRACT).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(EthRpcError);
    expect((err as EthRpcError).retryable).toBe(true);
  });
});

describe('isLogsTooLarge', () => {
  it.each([
    ['query returned more than 10000 results', true],
    ['Log response size exceeded. You can make eth_getLogs requests with up to a 2K block range', true],
    ['exceed maximum block range: 5000', true],
    ['block range is too large', true],
    ['query timeout exceeded', true],
    ['daily request count exceeded, request rate limited', false],
    ['invalid argument 0: hex number > 64 bits', false],
  ])('isLogsTooLarge(%j) = %s', (message, expected) => {
    expect(isLogsTooLarge({ code: 'UNKNOWN_ERROR', error: { code: -32005, message } })).toBe(expected);
  });
});
