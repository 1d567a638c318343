// Benchmark reference: express + http-proxy-middleware v3, with default settings or with a keep-alive agent (REFERENCE_AGENT=keepalive).
import http from 'node:http';
import express from 'express';
import { createProxyMiddleware } from 'http-proxy-middleware';

const port = Number(process.env.PORT);
const target = process.env.TARGET ?? 'http://127.0.0.1:9001';
const keepAlive = process.env.REFERENCE_AGENT === 'keepalive';

const app = express();
app.use(createProxyMiddleware(keepAlive ? { target, agent: new http.Agent({ keepAlive: true, maxSockets: 128 }) } : { target }));
const server = app.listen(port, '127.0.0.1', () =>
  console.log(`reference (${keepAlive ? 'keep-alive agent' : 'default'}) on ${port} → ${target}`),
);
process.on('SIGTERM', () => server.close(() => process.exit(0)));
