import { createHash } from 'node:crypto';

/**
 * The client order id of a deposit's order: derived, not random, so that after a crash or a lost
 * response the order is found again by the same id instead of being placed twice. It fits
 * Binance's rule (at most 36 chars of `[.A-Z:/a-z0-9_-]`) and most exchanges' stricter ones:
 * `t-` and 34 hex chars of sha256. Attempt 0 hashes the deposit id alone; an admin resubmission
 * (attempt n > 0) hashes `<deposit id>#<n>`, giving a fresh id for an order that never executed
 * (teller reused the deposit id as cid, so a failed order could never be resubmitted).
 */
export const CLIENT_ORDER_ID_LENGTH = 36;

export function clientOrderIdFor(depositId: string, attempt = 0): string {
  const seed = attempt === 0 ? depositId : `${depositId}#${attempt}`;
  return `t-${createHash('sha256')
    .update(seed)
    .digest('hex')
    .slice(0, CLIENT_ORDER_ID_LENGTH - 2)}`;
}
