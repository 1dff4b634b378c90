import { decodePayoutTx } from '../../../src/chains/ethereum/payout-tx';
import { InsufficientBalanceError, SenderError } from '../../../src/chains/errors';
import { CHAIN_ID, ETHER, RECIPIENT, TOKEN, senderRigs } from './evm-fake-node';

const rig = senderRigs();
const GWEI = 10n ** 9n;

describe('EvmSender.prepare', () => {
  test('signs an ETH payout without sending it and stores the nonce high-water mark first', async () => {
    const { chain, sender, store, signer } = await rig();
    const p = await sender.prepare('tx1:0', RECIPIENT, 12_345n);
    const tx = decodePayoutTx(p.raw);
    expect(tx.txid).toBe(p.txid);
    expect(tx.from).toBe(signer.address);
    expect(tx.chainId).toBe(CHAIN_ID);
    expect(tx.call).toEqual({ to: RECIPIENT, value: 12_345n, data: '0x' });
    expect(tx.gasLimit).toBe(25_200n); // 21 000 + 20%
    // ethers' formula: 2 × base fee + tip.
    expect(tx.fees).toEqual({ maxFeePerGas: 3n * GWEI, maxPriorityFeePerGas: GWEI });
    expect(p).toMatchObject({
      deposit_id: 'tx1:0',
      to: RECIPIENT,
      amount: 12_345n,
      nonce: 0,
      broadcast_at: 0,
    });
    expect(p.broadcasts).toBe(0);
    expect(p.previous_txids).toEqual([]);
    expect(chain.calls).not.toContain('eth_sendRawTransaction');
    expect(await store.get('sender', `evm!${CHAIN_ID}!${signer.address.toLowerCase()}!nonce`)).toBe(0);
  });

  test('an ERC-20 payout calls transfer(to, amount) on the token', async () => {
    const { sender } = await rig({ coin: 'ERC20', tokens: 1_000_000n });
    const p = await sender.prepare('tx1:0', RECIPIENT, 250_000n);
    const { call, gasLimit } = decodePayoutTx(p.raw);
    expect(call.to.toLowerCase()).toBe(TOKEN);
    expect(call.value).toBe(0n);
    expect(call.data).toBe(
      '0xa9059cbb' +
        RECIPIENT.slice(2).toLowerCase().padStart(64, '0') +
        (250_000).toString(16).padStart(64, '0'),
    );
    expect(gasLimit).toBe(42_000n);
  });

  test('payouts prepared concurrently get distinct consecutive nonces', async () => {
    const { chain, sender, store, signer } = await rig();
    chain.jitterMs = 3;
    const payouts = await Promise.all(
      Array.from({ length: 10 }, (_, i) => sender.prepare(`tx${i}:0`, RECIPIENT, BigInt(1000 + i))),
    );
    expect(payouts.map((p) => p.nonce).sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(new Set(payouts.map((p) => p.txid)).size).toBe(10);
    expect(await store.get('sender', `evm!${CHAIN_ID}!${signer.address.toLowerCase()}!nonce`)).toBe(9);
    // All ten are valid together: the node takes them and mines them in one block.
    for (const p of payouts) await sender.broadcast(p);
    chain.mine();
    expect(chain.count(signer.address)).toBe(10);
  });

  test('a restarted sender continues above the stored high-water mark, not the node count', async () => {
    const first = await rig();
    await first.sender.prepare('a:0', RECIPIENT, 1n);
    await first.sender.prepare('b:0', RECIPIENT, 1n);
    // Neither was broadcast: the node's pending count is still 0.
    const second = await rig({ store: first.store, chain: first.chain });
    const p = await second.sender.prepare('c:0', RECIPIENT, 1n);
    expect(p.nonce).toBe(2);
  });

  test("the node's pending count wins when it is ahead (wallet used elsewhere)", async () => {
    const { chain, sender, signer } = await rig();
    await sender.prepare('a:0', RECIPIENT, 1n);
    chain.spendNonceElsewhere(signer.address);
    chain.spendNonceElsewhere(signer.address);
    chain.spendNonceElsewhere(signer.address);
    expect((await sender.prepare('b:0', RECIPIENT, 1n)).nonce).toBe(3);
  });

  test('preparing a deposit again returns the stored payout; a different one is refused', async () => {
    const { sender } = await rig();
    const p = await sender.prepare('tx1:0', RECIPIENT, 500n);
    expect(await sender.prepare('tx1:0', RECIPIENT.toLowerCase(), 500n)).toEqual(p);
    await expect(sender.prepare('tx1:0', RECIPIENT, 501n)).rejects.toMatchObject({
      code: 'payout_mismatch',
      retryable: false,
    });
    expect((await sender.prepare('tx2:0', RECIPIENT, 500n)).nonce).toBe(1);
  });

  test('refuses an invalid address or amount before touching the node', async () => {
    const { chain, sender } = await rig();
    await expect(sender.prepare('x:0', '0xnothex', 1n)).rejects.toMatchObject({ code: 'invalid_address' });
    await expect(sender.prepare('x:0', RECIPIENT, 0n)).rejects.toMatchObject({ code: 'invalid_amount' });
    expect(chain.calls).toEqual([]);
  });

  test('ETH: balance must cover amount plus max gas cost', async () => {
    // 25 200 gas × 3 gwei = 75 600 gwei of gas budget.
    const gas = 25_200n * 3n * GWEI;
    const { sender } = await rig({ eth: ETHER });
    await expect(sender.prepare('x:0', RECIPIENT, ETHER - gas + 1n)).rejects.toThrow(
      new InsufficientBalanceError('insufficient ETH balance: have 1, need 1.000000000000000001'),
    );
    const p = await sender.prepare('y:0', RECIPIENT, ETHER - gas);
    expect(p.amount).toBe(ETHER - gas);
  });

  test('payouts in flight are reserved until mined', async () => {
    const { chain, sender } = await rig({ eth: 2n * ETHER });
    const a = await sender.prepare('a:0', RECIPIENT, ETHER);
    const err = await sender.prepare('b:0', RECIPIENT, ETHER).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InsufficientBalanceError);
    expect((err as SenderError).retryable).toBe(true);
    // 2 ETH − (1 ETH + 75 600 gwei of gas reserved for a) < 1 ETH.
    expect((err as Error).message).toBe('insufficient ETH balance: have 0.9999244, need 1');
    // Once mined, the node's balance reflects it and the reservation is dropped.
    await sender.broadcast(a);
    chain.mine();
    chain.fund(sender.address, chain.balance(sender.address) + ETHER);
    const b = await sender.prepare('b:0', RECIPIENT, ETHER);
    expect(b.nonce).toBe(1);
  });

  test('ERC-20: token balance for the amount, ETH for the gas', async () => {
    const short = await rig({ coin: 'ERC20', tokens: 100n });
    await short.sender.init();
    await expect(short.sender.prepare('x:0', RECIPIENT, 101n)).rejects.toThrow(
      'insufficient TUSD balance: have 0.0001, need 0.000101',
    );
    const noGas = await rig({ coin: 'ERC20', tokens: 100n, eth: 1000n });
    await noGas.sender.init();
    await expect(noGas.sender.prepare('x:0', RECIPIENT, 100n)).rejects.toThrow(
      /^insufficient ETH balance: have 0\.000000000000001, need 0\.000126 \(gas for a TUSD payout\)$/,
    );
  });

  test('node failures while preparing are retryable and consume no nonce', async () => {
    const { chain, sender } = await rig();
    chain.failures.set('eth_estimateGas', 'transport');
    await expect(sender.prepare('x:0', RECIPIENT, 1n)).rejects.toMatchObject({
      code: 'evm_node_unreachable',
      retryable: true,
    });
    chain.failures.set('eth_estimateGas', 'execution reverted: paused');
    await expect(sender.prepare('x:0', RECIPIENT, 1n)).rejects.toMatchObject({
      code: 'payout_would_revert',
      retryable: false,
    });
    expect((await sender.prepare('x:0', RECIPIENT, 1n)).nonce).toBe(0);
  });
});

describe('EvmSender setup and reads', () => {
  test('init checks the chain id', async () => {
    const { sender } = await rig();
    await sender.init();
    expect(sender.coin).toBe('ETH');
    expect(sender.kind).toBe('evm');
    expect(sender.decimals).toBe(18);
    const other = await rig();
    other.chain.reportedChainId = 1n;
    await expect(other.sender.init()).rejects.toThrow(
      new SenderError(
        'payout.evm.chain_id is 1337 but the payout node is on chain 1',
        false,
        'chain_mismatch',
      ),
    );
    await expect(other.sender.init()).rejects.toMatchObject({ code: 'chain_mismatch', retryable: false });
  });

  test('init reads the token symbol and checks its decimals', async () => {
    const { sender, chain } = await rig({ coin: 'ERC20', tokens: 7n });
    expect(sender.coin).toBe('ERC20');
    await sender.init();
    expect(sender.coin).toBe('TUSD');
    expect(sender.decimals).toBe(6);
    expect(await sender.balance()).toEqual({ coins: 7n, hours: 0n });
    chain.tokenDecimals = 18;
    await expect(sender.init()).rejects.toMatchObject({ code: 'token_decimals_mismatch', retryable: false });
  });

  test('balance is the wallet balance in wei for ETH', async () => {
    const { sender } = await rig({ eth: 5n * ETHER });
    expect(await sender.balance()).toEqual({ coins: 5n * ETHER, hours: 0n });
  });

  test.each([
    ['0x90f79bf6eb2c4f870365e785982e1f101e93b906', null],
    ['0x90F79BF6EB2C4F870365E785982E1F101E93B906', null],
    [RECIPIENT, null],
    ['0x90F79bf6EB2c4f870365E785982E1f101E93b907', 'Invalid checksum'],
    ['90F79bf6EB2c4f870365E785982E1f101E93b906', 'Invalid address'],
    ['0x90F79bf6EB2c4f870365E785982E1f101E93b90', 'Invalid address'],
    ['0x' + '0'.repeat(40), 'Invalid address'],
    ['', 'Invalid address'],
  ])('validateAddress(%s) = %s', async (addr, reason) => {
    const { sender } = await rig();
    expect(sender.validateAddress(addr)).toBe(reason);
  });
});
