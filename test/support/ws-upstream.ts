// WebSocket-style upgrades for tests: an echoing upstream and a client that opens an upgrade through the gateway.
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/** An upstream that accepts any upgrade and echoes what the client sends, prefixed with its name. */
export async function echoUpstream(name: string): Promise<{ url: string; upgrades: http.IncomingMessage[]; close(): Promise<void> }> {
  const upgrades: http.IncomingMessage[] = [];
  const sockets = new Set<Socket>();
  const server = http.createServer((_req, res) => res.end('plain'));
  server.on('upgrade', (req: http.IncomingMessage, socket: Socket) => {
    upgrades.push(req);
    sockets.add(socket);
    socket.write('HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n');
    socket.on('data', (chunk) => socket.write(`${name}:${chunk.toString()}`));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    upgrades,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/** Opens an upgrade through the gateway: resolves with the echoed reply, or the refusal's status. */
export function upgrade(port: number, path: string): Promise<{ status: number; echo?: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ port, host: '127.0.0.1', path, agent: false, headers: { Connection: 'Upgrade', Upgrade: 'websocket' } });
    req.on('upgrade', (res, socket) => {
      socket.once('data', (chunk) => {
        socket.destroy();
        resolve({ status: res.statusCode ?? 0, echo: chunk.toString() });
      });
      socket.write('hello');
    });
    req.on('response', (res) => {
      res.resume();
      resolve({ status: res.statusCode ?? 0 });
    });
    req.on('error', reject);
    req.end();
  });
}
