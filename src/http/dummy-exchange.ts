import { Router, type Request, type RequestHandler, type Response } from 'express';
import { OrderNotFoundError, PassthroughError } from '../passthrough/errors';
import { isSimMode, SIM_MODES, type SimulatedExchange } from '../passthrough/simulated-exchange';
import type { ExchangeOrder } from '../passthrough/types';
import type { Logger } from '../util/logger';
import { parseGoDuration } from '../config/duration';
import { SIMULATED_SOURCE } from '../config/validate-rates';
import type { SimulatedMarket } from '../rates';
import { errorMessage } from '../util/errors';
import { HttpError } from './errors';
import { goFormValue, parseGoForm, parseGoQuery } from './go-query';
import { rawQueryOf } from './middleware/go-mux';
import { readRawBody } from './middleware/raw-body';
import { sendEmpty, sendJson, sendText } from './middleware/respond';

/**
 * The simulated exchange's control routes (dummy mode, beyond teller), in the style of the rest
 * of the dummy API: parameters as r.FormValue reads them (query string or urlencoded POST body),
 * 200 with an empty body for a change, Go-style JSON for a listing, and plain-text errors with a
 * trailing newline.
 *
 *   /dummy/exchange/state                         GET: price, mode, ratio, balances
 *   /dummy/exchange/price?price=                  set the price (payout coins per deposit coin)
 *   /dummy/exchange/mode?mode=fill|hold|partial|reject|lose|offline[&ratio=0.5]
 *   /dummy/exchange/fill?order_id=[&ratio=]       fill an open order (all of it by default)
 *   /dummy/exchange/cancel?order_id=              cancel an open order
 *   /dummy/exchange/balance?coin=&amount=         set a balance of the simulated account
 *   /dummy/exchange/orders                        GET: every order, oldest first
 */

const BODY_LIMIT_BYTES = 4096;

/** A control request the simulated exchange cannot take. */
class ControlError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

type Form = (name: string) => string;

async function formOf(req: Request): Promise<Form> {
  const query = parseGoQuery(rawQueryOf(req));
  const body =
    req.method === 'POST'
      ? parseGoForm(req.headers['content-type'], (await readRawBody(req, BODY_LIMIT_BYTES)).toString('utf8'))
      : undefined;
  return (name) => goFormValue(query, body, name);
}

function required(form: Form, name: string): string {
  const v = form(name);
  if (v === '') throw new ControlError(400, `${name} required`);
  return v;
}

function handler(
  log: Logger,
  methods: readonly string[],
  fn: (form: Form, req: Request, res: Response) => Promise<void>,
): RequestHandler {
  return (req, res) => {
    const run = async (): Promise<void> => {
      if (!methods.includes(req.method)) {
        throw new ControlError(405, 'Method Not Allowed', { Allow: methods.join(', ') });
      }
      await fn(await formOf(req), req, res);
    };
    run().catch((err: unknown) => {
      if (res.headersSent) {
        res.destroy();
        return;
      }
      if (err instanceof ControlError) {
        for (const [k, v] of Object.entries(err.headers)) res.setHeader(k, v);
        sendText(res, err.status, `${err.message}\n`);
      } else if (err instanceof HttpError) {
        sendText(res, err.status, err.body);
      } else if (err instanceof OrderNotFoundError) {
        sendText(res, 404, 'order not found\n');
      } else if (err instanceof PassthroughError) {
        sendText(res, err.code === 'sim_order_not_open' ? 409 : 400, `${err.message}\n`);
      } else {
        log.error({ err, path: req.path }, 'dummy exchange request failed');
        sendText(res, 500, 'Internal Server Error\n');
      }
    });
  };
}

const GET = ['GET'];
const ANY = ['GET', 'POST'];

/** The routes by exact path, for a Go-style route table (the dummy app's goRoutes). */
export function dummyExchangeRoutes(sim: SimulatedExchange, log: Logger): Map<string, RequestHandler> {
  return new Map<string, RequestHandler>([
    ['/dummy/exchange/state', handler(log, GET, async (_f, _q, res) => sendJson(res, sim.state()))],
    [
      '/dummy/exchange/orders',
      handler(log, GET, async (_f, _q, res) => sendJson(res, sim.orders().map(orderJson))),
    ],
    [
      '/dummy/exchange/price',
      handler(log, ANY, async (form, _q, res) => {
        await sim.setPrice(required(form, 'price'));
        sendEmpty(res);
      }),
    ],
    [
      '/dummy/exchange/mode',
      handler(log, ANY, async (form, _q, res) => {
        const mode = required(form, 'mode');
        if (!isSimMode(mode)) throw new ControlError(400, `invalid mode: one of ${SIM_MODES.join(', ')}`);
        await sim.setMode(mode, form('ratio') === '' ? undefined : form('ratio'));
        sendEmpty(res);
      }),
    ],
    [
      '/dummy/exchange/fill',
      handler(log, ANY, async (form, _q, res) => {
        const ratio = form('ratio');
        sendJson(
          res,
          orderJson(await sim.fill(required(form, 'order_id'), ratio === '' ? undefined : ratio)),
        );
      }),
    ],
    [
      '/dummy/exchange/cancel',
      handler(log, ANY, async (form, _q, res) =>
        sendJson(res, orderJson(await sim.cancel(required(form, 'order_id')))),
      ),
    ],
    [
      '/dummy/exchange/balance',
      handler(log, ANY, async (form, _q, res) => {
        await sim.setBalance(required(form, 'coin'), required(form, 'amount'));
        sendEmpty(res);
      }),
    ],
  ]);
}

/**
 * The simulated price sources of market rates (issue 20), on the dummy listener:
 *
 *   /dummy/market/price?coin=&price=[&source=simulated][&age=5m]   set a source's price (payout
 *        coins per deposit coin); with `age` the price is that old and stays so (a stale market)
 *   /dummy/market/prices                                             GET: every price set
 */
export function dummyMarketRoutes(market: SimulatedMarket, log: Logger): Map<string, RequestHandler> {
  return new Map<string, RequestHandler>([
    ['/dummy/market/prices', handler(log, GET, async (_f, _q, res) => sendJson(res, market.list()))],
    [
      '/dummy/market/price',
      handler(log, ANY, async (form, _q, res) => {
        const source = form('source') || 'simulated';
        if (!SIMULATED_SOURCE.test(source)) throw new ControlError(400, 'invalid source');
        const age = form('age');
        let ageMs: number | undefined;
        try {
          ageMs = age === '' ? undefined : parseGoDuration(age);
          market.set(source, required(form, 'coin'), required(form, 'price'), ageMs);
        } catch (err) {
          if (err instanceof ControlError) throw err;
          throw new ControlError(400, errorMessage(err));
        }
        sendEmpty(res);
      }),
    ],
  ]);
}

/** An express Router serving the routes (exact, case-sensitive paths), to mount on the dummy app. */
export function createDummyExchangeRouter(sim: SimulatedExchange, log: Logger): Router {
  const router = Router({ caseSensitive: true, strict: true });
  for (const [path, h] of dummyExchangeRoutes(sim, log)) router.all(path, h);
  return router;
}

/** The simulated exchange's own record of the order (its `raw` JSON). */
const orderJson = (o: ExchangeOrder): object => JSON.parse(o.raw) as object;
