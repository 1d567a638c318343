// Benchmark limit for the gateway's own answers: a bare node http server writing one recorded answer (status line,
// headers, body) byte for byte, with no routing, state or decision. What the gateway's 477 is measured against.
import http, { type OutgoingHttpHeaders } from 'node:http';

interface Recorded {
  status: number;
  statusMessage: string;
  headers: OutgoingHttpHeaders;
  body: string;
}

const port = Number(process.env.PORT);
const answer = JSON.parse(process.env.BARE_ANSWER ?? '{}') as Recorded;
const body = Buffer.from(answer.body);

const server = http.createServer((req, res) => {
  req.resume();
  res.writeHead(answer.status, answer.statusMessage, { ...answer.headers, 'content-length': body.length });
  res.end(body);
});
server.keepAliveTimeout = 65_000;
server.listen(port, '127.0.0.1', () => console.log(`bare answer server listening on ${port}`));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
