import type { Exchange } from './exchange/exchange';
import type { Scanner } from './scanner/types';

/**
 * Connects the scanners to the exchange and starts both, in the order the money path needs
 * (App.run, and the model-based test in test/model/, which must run the pipeline as shipped).
 *
 * Scanners first: at start a scanner has the exchange hold the payouts of deposits a rewind took
 * back (an offline rescan, a crash mid-reorg) before the exchange resumes any payout. Hand-overs go
 * to receive(), sightings to seen() (where rates are frozen), rewound deposits to rewound().
 */
export async function startPipeline(scanners: readonly Scanner[], exchange: Exchange): Promise<void> {
  for (const s of scanners) {
    await s.start(
      (d) => exchange.receive(d),
      (seen) => exchange.seen(seen),
      (d) => exchange.rewound(d),
    );
  }
  await exchange.start();
}
