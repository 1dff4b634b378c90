// Benchmark 4's baseline: a bare node:http server answering each public API route with the body
// and headers the daemon sent for it, gzipping by the daemon's own rule (dist/http/api/gzip.js:
// gzip accepted and a body of 1400 bytes or more) but anew for every response, as the daemon does
// for a body it has not sent lately. POST bodies are read to their end first.
//
//   node bench/lib/bare-api-server.cjs <spec.json> <dist dir>
//   spec: { routes: { "<path>": { status, headers: [name, value, ...], body } } }
// Prints its port on stdout.
'use strict';
const { readFileSync } = require('node:fs');
const http = require('node:http');
const path = require('node:path');
const { gzipSync } = require('node:zlib');

const spec = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const { acceptsGzip, GZIP_MIN_BYTES } = require(path.join(process.argv[3], 'http', 'api', 'gzip.js'));
const routes = new Map(
  Object.entries(spec.routes).map(([p, r]) => [p, { ...r, bytes: Buffer.byteLength(r.body) }]),
);

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
    req.on('end', answer);
    req.resume();
  } else {
    answer();
  }
});
server.keepAliveTimeout = 120_000;
server.listen(0, '127.0.0.1', () => process.stdout.write(`${server.address().port}\n`));
