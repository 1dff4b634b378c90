// Benchmark 4's baseline: a bare node:http server answering each public API route with the body
// and headers the daemon sent for it, gzipping by the daemon's own rule (dist/http/api/gzip.js:
// gzip accepted and a body of 1400 bytes or more) but anew for every response, as the daemon does
// for a body it has not sent lately. POST bodies are read to their end first. A route marked
// `durable` (a valid bind) first writes as much as a bind does (four puts) to a LevelDB opened as
// the store opens it (dist/store/leveldb.js LEVELDB_OPTIONS), with the store's commit policy: one
// synced batch in flight, what arrives meanwhile goes in the next one; after each batch the store's
// checkpoint file is advanced by the daemon's own CheckpointWriter (dist/store/checkpoint.js: a
// synced write and a rename, one in flight), as the store does.
//
//   node bench/lib/bare-api-server.cjs <spec.json> <dist dir>
//   spec: { dbDir, routes: { "<path>": { status, headers: [name, value, ...], body, durable? } } }
// Prints its port on stdout.
'use strict';
const { readFileSync } = require('node:fs');
const http = require('node:http');
const path = require('node:path');
const { gzipSync } = require('node:zlib');

const spec = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const { acceptsGzip, GZIP_MIN_BYTES } = require(path.join(process.argv[3], 'http', 'api', 'gzip.js'));
const { CheckpointWriter } = require(path.join(process.argv[3], 'store', 'checkpoint.js'));
const routes = new Map(
  Object.entries(spec.routes).map(([p, r]) => [p, { ...r, bytes: Buffer.byteLength(r.body) }]),
);

let db;
let checkpoint;
const queue = [];
let writing = false;
let seq = 0;
let batches = 0;
async function flush() {
  writing = true;
  while (queue.length > 0) {
    const group = queue.splice(0);
    try {
      await db.batch(
        group.flatMap((w) => w.ops),
        { sync: true },
      );
      checkpoint.advance({ store_id: 'bare', batch: ++batches, event_seq: 0, event_hash: '' });
      for (const w of group) w.done();
    } catch (err) {
      for (const w of group) w.fail(err);
    }
  }
  writing = false;
}
/** A bind's worth of writes: binding record, index entry, pool-used mark, counter. */
function durableWrite() {
  const n = ++seq;
  const key = `bench-${n}`;
  const ops = [
    { type: 'put', key: `!bindings!BTC!${key}`, value: Buffer.alloc(180, 1) },
    {
      type: 'put',
      key: `!bindings_by_sky!${key}!${String(n).padStart(16, '0')}`,
      value: Buffer.alloc(60, 2),
    },
    { type: 'put', key: `!pool_used!BTC!${key}`, value: Buffer.alloc(8, 3) },
    { type: 'put', key: '!meta!counter:bind', value: Buffer.alloc(8, 4) },
  ];
  return new Promise((done, fail) => {
    queue.push({ ops, done, fail });
    if (!writing) void flush();
  });
}

const server = http.createServer((req, res) => {
  const url = req.url ?? '';
  const q = url.indexOf('?');
  const route = routes.get(q < 0 ? url : url.slice(0, q));
  if (route === undefined) {
    res.writeHead(404, { 'Content-Length': '0' });
    res.end();
    return;
  }
  const answer = () => {
    const head = route.headers.slice();
    if (route.bytes >= GZIP_MIN_BYTES && acceptsGzip(req.headers['accept-encoding'])) {
      head.push('Content-Encoding', 'gzip');
      res.writeHead(route.status, head);
      res.end(gzipSync(route.body));
    } else {
      head.push('Content-Length', String(route.bytes));
      res.writeHead(route.status, head);
      res.end(route.body);
    }
  };
  if (req.method === 'POST') {
    req.on('end', () => {
      if (!route.durable) return answer();
      durableWrite().then(answer, (err) => {
        console.error(err);
        res.destroy();
      });
    });
    req.resume();
  } else {
    answer();
  }
});
server.keepAliveTimeout = 120_000;
(async () => {
  if ([...routes.values()].some((r) => r.durable)) {
    const { ClassicLevel } = require('classic-level');
    db = new ClassicLevel(
      spec.dbDir,
      require(path.join(process.argv[3], 'store', 'leveldb.js')).LEVELDB_OPTIONS,
    );
    await db.open();
    checkpoint = new CheckpointWriter(
      `${spec.dbDir}.checkpoint`,
      { store_id: 'bare', batch: 0, event_seq: 0, event_hash: '' },
      (err) => console.error(err),
    );
  }
  server.listen(0, '127.0.0.1', () => process.stdout.write(`${server.address().port}\n`));
})().catch((err) => {
  console.error(err);
  process.exit(1);
});
