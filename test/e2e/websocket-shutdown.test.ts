// A real gateway process with an open WebSocket: SIGTERM still exits 0 soon after the grace period.
import http from 'node:http';
import { startGatewayProcess } from '../support/gateway-process';
import { echoUpstream } from '../support/ws-upstream';

jest.setTimeout(30_000);

it('ends open upgraded sockets at the end of the grace period and exits 0', async () => {
  const us = await echoUpstream('us');
  const gw = await startGatewayProcess({ env: { UPSTREAM_US: us.url, UPSTREAM_EU: us.url, SHUTDOWN_GRACE_MS: '1000' } });
  try {
    const socket = await new Promise<import('node:net').Socket>((resolve, reject) => {
      const req = http.request({
        port: gw.port,
        host: '127.0.0.1',
        path: '/chat/socket',
        headers: { Connection: 'Upgrade', Upgrade: 'websocket' },
      });
      req.on('upgrade', (_res, s) => resolve(s));
      req.on('response', () => reject(new Error('no upgrade')));
      req.on('error', reject);
      req.end();
    });
    const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    socket.on('error', () => undefined);
    const stoppedAt = Date.now();
    const code = await gw.stop('SIGTERM');
    expect(code).toBe(0);
    expect(Date.now() - stoppedAt).toBeLessThan(5_000);
    await closed;
  } finally {
    gw.kill('SIGKILL');
    await us.close();
  }
});
