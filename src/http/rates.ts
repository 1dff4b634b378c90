import type { RequestHandler } from 'express';
import { ExchangeError } from '../exchange/errors';
import type { RateBook } from '../exchange/rates';
import type { CoinMarketStatus } from '../rates';
import type { Logger } from '../util/logger';
import { BadRequest, allow, opsRoute, readJsonObject, sendError } from './ops';
import { sendJson } from './middleware/respond';

/**
 * The admin app's rate routes (issue 20), behind its token, host and same-origin checks:
 * GET /api/rates lists each coin's rate (and the market feed's view of market coins); POST /api/rates/<COIN> {"rate": "510"} sets one at run
 * time (src/exchange/rates.ts). A rate the config check would refuse is a 400 with the same text
 * (`sky_exchanger.sky_btc_exchange_rate invalid: rate must be greater than zero`).
 */
export function rateAdminRoutes(
  rates: RateBook,
  log: Logger,
  /** Market rates' sources, last price, guard and history per coin (the dashboard's). */
  market: () => CoinMarketStatus[] = () => [],
): Map<string, RequestHandler> {
  const routes = new Map<string, RequestHandler>([
    [
      '/api/rates',
      opsRoute(log, async (req, res) => {
        allow(req, 'GET');
        sendJson(res, { rates: rates.list(), market: market() });
      }),
    ],
  ]);
  for (const { coin } of rates.list()) {
    routes.set(
      `/api/rates/${coin}`,
      opsRoute(log, async (req, res) => {
        allow(req, 'POST');
        const { rate } = await readJsonObject(req);
        if (typeof rate !== 'string') throw new BadRequest('rate (string) is required');
        try {
          sendJson(res, await rates.set(coin, rate, 'admin API'));
        } catch (err) {
          if (err instanceof ExchangeError && err.code === 'rate_invalid')
            return sendError(res, 400, err.message);
          throw err;
        }
      }),
    );
  }
  return routes;
}
