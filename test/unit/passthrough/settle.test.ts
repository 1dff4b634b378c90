import { settle } from '../../../src/passthrough/settle';
import type { ExchangeOrder, MarketInfo } from '../../../src/passthrough/types';

const MARKET: MarketInfo = {
  symbol: 'SKY/BTC',
  base: 'SKY',
  quote: 'BTC',
  amountDecimals: 2,
  costDecimals: 8,
  minCost: '0.0001',
  minAmount: '0',
  fee: '0.002',
};

const order = (over: Partial<ExchangeOrder>): ExchangeOrder => ({
  id: '1',
  clientOrderId: 'c',
  symbol: 'SKY/BTC',
  status: 'closed',
  filled: '5',
  cost: '0.01',
  average: '0.002',
  fees: [{ cost: '0.005', currency: 'SKY' }],
  timestamp: 0,
  raw: '{}',
  ...over,
});

// requested 0.01 BTC, SKY payout with 6 decimals.
const run = (o: Partial<ExchangeOrder>) => settle(order(o), MARKET, 1_000_000n, 8, 6);

test.each([
  [
    'fee in the coin bought is deducted',
    {},
    { bought: 4_995_000n, fee: 5_000n, feeSource: 'exchange', spent: 1_000_000n, unspent: 0n },
  ],
  [
    'fees in several entries are summed',
    {
      fees: [
        { cost: '0.002', currency: 'SKY' },
        { cost: '0.003', currency: 'SKY' },
      ],
    },
    { bought: 4_995_000n, fee: 5_000n },
  ],
  [
    'a fee paid in another coin (BNB) costs the operator, not the buyer',
    { fees: [{ cost: '0.0001', currency: 'BNB' }] },
    { bought: 5_000_000n, fee: 0n, feeSource: 'exchange' },
  ],
  [
    'no fee data: the configured rate (0.2%) is applied',
    { fees: undefined },
    { bought: 4_990_000n, fee: 10_000n, feeSource: 'config' },
  ],
  [
    'amounts below the payout precision are cut, fees rounded up',
    { filled: '1.2345678', fees: [{ cost: '0.0012345678', currency: 'SKY' }] },
    { bought: 1_233_333n, fee: 1_235n },
  ],
  [
    'a partial fill leaves the rest unspent',
    { filled: '2.5', cost: '0.005', fees: [] },
    { bought: 2_500_000n, spent: 500_000n, unspent: 500_000n },
  ],
  ['a cost with more decimals is rounded up', { cost: '0.009999991' }, { spent: 1_000_000n, unspent: 0n }],
  ['a cost above the request is capped at the request', { cost: '0.02' }, { spent: 1_000_000n, unspent: 0n }],
  [
    'a fee larger than the fill leaves nothing',
    { filled: '0.01', fees: [{ cost: '0.02', currency: 'SKY' }] },
    { bought: 0n },
  ],
] as const)('%s', (_name, over, want) => {
  expect(run(over as Partial<ExchangeOrder>)).toMatchObject(want);
});
