// A local three-master Redis Cluster for the fault tests: redis-server --cluster-enabled yes, joined by redis-cli.
import { execFile, spawnSync } from 'node:child_process';
import { promisify } from 'node:util';
import { freePort, removeDir, startRedis, type RedisProcess } from '../support/redis-server';

const run = promisify(execFile);

export interface LocalCluster {
  nodes: RedisProcess[];
  /** Seed list in the form RedisStore and REDIS_URL take: redis://127.0.0.1:p1,redis://127.0.0.1:p2,... */
  seeds: string;
  stop(): Promise<void>;
}

/** Fails with a clear message when redis-cli is missing (CI installs redis-tools), never skips. */
export function requireRedisCli(): void {
  const probe = spawnSync('redis-cli', ['--version'], { encoding: 'utf8' });
  if (probe.error || probe.status !== 0) {
    throw new Error(
      'redis-cli is required for the Redis Cluster test (Debian/Ubuntu: apt-get install redis-tools); it was not found on PATH',
    );
  }
}

async function clusterState(port: number): Promise<string> {
  const { stdout } = await run('redis-cli', ['-p', String(port), 'cluster', 'info']);
  return /cluster_state:(\w+)/.exec(stdout)?.[1] ?? 'unknown';
}

/** Ports for a cluster to start on later (a client may be pointed at them before anything listens). */
export async function clusterPorts(size = 3): Promise<number[]> {
  const ports: number[] = [];
  for (let i = 0; i < size; i++) ports.push(await freePort());
  return ports;
}

export function seedsOf(ports: number[]): string {
  return ports.map((port) => `redis://127.0.0.1:${port}`).join(',');
}

/** Waits until every node reports cluster_state:ok (after creation, or after the nodes were restarted). */
export async function waitForClusterOk(nodes: RedisProcess[], timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const states = await Promise.all(nodes.map((n) => clusterState(n.port).catch(() => 'down')));
    if (states.every((s) => s === 'ok')) return;
    if (Date.now() > deadline) throw new Error(`cluster not ok within ${timeoutMs} ms: ${states.join(', ')}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export async function startLocalCluster(ports?: number[], options: { appendonly?: boolean } = {}): Promise<LocalCluster> {
  requireRedisCli();
  const nodes: RedisProcess[] = [];
  try {
    const chosen = ports ?? (await clusterPorts());
    for (const port of chosen) {
      // The bus port is chosen too: the default (port + 10000) may not exist for a port from the ephemeral range.
      let busPort = await freePort();
      while (chosen.includes(busPort)) busPort = await freePort();
      nodes.push(
        await startRedis({
          port,
          appendonly: options.appendonly,
          extraArgs: [
            '--cluster-enabled',
            'yes',
            '--cluster-config-file',
            `nodes-${port}.conf`,
            '--cluster-port',
            String(busPort),
            '--cluster-node-timeout',
            '2000',
          ],
        }),
      );
    }
    const addresses = nodes.map((n) => `127.0.0.1:${n.port}`);
    await run('redis-cli', ['--cluster', 'create', ...addresses, '--cluster-replicas', '0', '--cluster-yes'], { timeout: 20_000 });
    await waitForClusterOk(nodes);
  } catch (error) {
    await Promise.all(nodes.map((n) => n.stop('SIGKILL')));
    for (const n of nodes) removeDir(n.dir);
    throw error;
  }
  return {
    nodes,
    seeds: seedsOf(nodes.map((n) => n.port)),
    async stop() {
      await Promise.all(nodes.map((n) => n.stop('SIGKILL')));
      for (const n of nodes) removeDir(n.dir);
    },
  };
}
