// Benchmark upstream: a plain keep-alive node http server answering small JSON, counting what it received (for replay timing).
import http from 'node:http';

const name = process.env.UPSTREAM_NAME ?? 'upstream';
const port = Number(process.env.PORT);
const counts = new Map<string, number>();
let total = 0;

const server = http.createServer((req, res) => {
  const url = req.url ?? '/';
  if (url === '/__bench/stats') {
    const body = JSON.stringify({ total, byPrefix: Object.fromEntries(counts) });
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
    res.end(body);
    return;
  }
  // Read the body (forms replayed to us carry one) before answering, as a real service would.
  req.on('data', () => undefined);
  req.on('end', () => {
    total += 1;
    const path = url.split('?')[0] ?? '/';
    const prefix = `${req.method ?? 'GET'} /${path.split('/')[1] ?? ''}`;
    counts.set(prefix, (counts.get(prefix) ?? 0) + 1);
    const body = JSON.stringify({ upstream: name, method: req.method, path });
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
    res.end(body);
  });
});
server.keepAliveTimeout = 65_000;
server.listen(port, '127.0.0.1', () => console.log(`upstream ${name} listening on ${port}`));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
