// Benchmark SMTP sink in its own process (so the load it measures does not starve it): SMTP on PORT, and on
// HTTP_PORT `GET /mails` answers every mail received so far (notification id, account, kind, arrival time).
import http from 'node:http';
import { startSmtpSink } from '../lib/smtp-sink';

async function main(): Promise<void> {
  const sink = await startSmtpSink(Number(process.env.PORT));
  const server = http.createServer((req, res) => {
    const body = req.url === '/count' ? JSON.stringify({ count: sink.mails.length }) : JSON.stringify(sink.mails);
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
    res.end(body);
  });
  server.listen(Number(process.env.HTTP_PORT), '127.0.0.1', () => console.log(`smtp sink on ${sink.url}`));
  process.on('SIGTERM', () => {
    server.close();
    void sink.close().then(() => process.exit(0));
  });
}

void main();
