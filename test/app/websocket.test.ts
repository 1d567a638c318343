// WebSocket upgrades: proxied to the account's region before the window, refused once chat is hidden.
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import request from 'supertest';
import { createGateway, type GatewayApp } from '../../src/gateway';
import { ManualClock } from '../../src/domain/clock';
import { MemoryStore } from '../../src/store/memory/memory-store';
import { ADMIN_TOKEN, accountSettings, auth } from '../support/accounts';
import { echoUpstream, upgrade } from '../support/ws-upstream';

const H = 3600_000;
const NOW = Date.parse('2026-11-23T12:00:00Z');
const START = NOW + 8 * 24 * H;

let us: Awaited<ReturnType<typeof echoUpstream>>;
let eu: Awaited<ReturnType<typeof echoUpstream>>;
let app: GatewayApp;
let clock: ManualClock;
let server: http.Server;
let port: number;
/** Upgraded sockets leave the HTTP server's bookkeeping: closeAllConnections() does not reach them. */
const upgraded = new Set<Socket>();

beforeAll(async () => {
  us = await echoUpstream('us');
  eu = await echoUpstream('eu');
  clock = new ManualClock(NOW);
  app = createGateway({
    upstreams: { us: us.url, eu: eu.url },
    store: new MemoryStore(),
    clock,
    adminTokens: [ADMIN_TOKEN],
    background: false,
  });
  server = http.createServer(app);
  server.on('upgrade', (req: http.IncomingMessage, socket: Socket, head: Buffer) => {
    upgraded.add(socket);
    app.gateway.handleUpgrade(req, socket, head);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
  await request(app).put('/admin/v1/accounts/acme').set(auth).send(accountSettings()).expect(201);
  await request(app)
    .post('/admin/v1/accounts/acme/migration')
    .set(auth)
    .send({ start: new Date(START).toISOString() })
    .expect(201);
});

afterAll(async () => {
  server.closeAllConnections();
  for (const socket of upgraded) socket.destroy();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await app.gateway.close();
  await us.close();
  await eu.close();
});

it('proxies a chat socket to the account region before the window, both ways', async () => {
  clock.set(START - 2 * H);
  expect(await upgrade(port, '/chat/socket?portalId=acme')).toEqual({ status: 101, echo: 'us:hello' });
  expect(us.upgrades.at(-1)?.headers['x-forwarded-for']).toBe('127.0.0.1');
});

it('refuses the chat socket once chat is hidden (from S − 1 h), and API sockets with 477 in the window', async () => {
  clock.set(START - H);
  const before = us.upgrades.length;
  expect(await upgrade(port, '/chat/socket?portalId=acme')).toEqual({ status: 503 });
  clock.set(START);
  expect(await upgrade(port, '/api/stream?portalId=acme')).toEqual({ status: 477 });
  expect(us.upgrades.length).toBe(before);
});

it('sends a completed account socket to the EU upstream, and refuses reserved or ambiguous targets', async () => {
  clock.set(START);
  await request(app).post('/admin/v1/accounts/acme/migration/complete').set(auth).expect(200);
  expect(await upgrade(port, '/chat/socket?portalId=acme')).toEqual({ status: 101, echo: 'eu:hello' });
  expect(await upgrade(port, '/admin/v1/accounts/acme')).toEqual({ status: 400 });
  expect(await upgrade(port, '/chat/socket?portalId=acme&portalId=other')).toEqual({ status: 400 });
});
