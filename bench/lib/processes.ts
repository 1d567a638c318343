// Child processes of the benchmark: each service runs in its own process, its output kept in a log file for post-mortems.
import { spawn, type ChildProcess } from 'node:child_process';
import { openSync, readFileSync, closeSync } from 'node:fs';
import path from 'node:path';
import { waitForPort } from '../../test/support/redis-server';

export const repoRoot = path.resolve(__dirname, '..', '..');

export interface Service {
  name: string;
  port: number;
  url: string;
  pid: number;
  process: ChildProcess;
  logFile: string;
  stop(): Promise<void>;
}

const running = new Set<ChildProcess>();
for (const signal of ['exit', 'SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    for (const child of running) child.kill('SIGKILL');
    if (signal !== 'exit') process.exit(130);
  });
}

export interface SpawnOptions {
  name: string;
  command: string;
  args: string[];
  port: number;
  env?: Record<string, string | undefined>;
  logDir: string;
  /** Path whose 200 answer means ready; the open port is enough when omitted. */
  readyPath?: string;
  readyTimeoutMs?: number;
}

export async function startService(options: SpawnOptions): Promise<Service> {
  const logFile = path.join(options.logDir, `${options.name}.log`);
  const fd = openSync(logFile, 'a');
  const env: Record<string, string | undefined> = { ...process.env, ...options.env, PORT: String(options.port) };
  const child = spawn(options.command, options.args, { cwd: repoRoot, env, stdio: ['ignore', fd, fd] });
  closeSync(fd);
  running.add(child);
  let exited = false;
  const exit = new Promise<void>((resolve) =>
    child.once('exit', () => {
      exited = true;
      running.delete(child);
      resolve();
    }),
  );
  const url = `http://127.0.0.1:${options.port}`;
  const deadline = Date.now() + (options.readyTimeoutMs ?? 20_000);
  const failure = (why: string) => new Error(`${options.name} ${why}; last output:\n${tailOf(logFile)}`);
  try {
    await Promise.race([
      waitForPort(options.port, options.readyTimeoutMs ?? 20_000),
      exit.then(() => {
        throw failure('exited before opening its port');
      }),
    ]);
    if (options.readyPath) {
      for (;;) {
        if (exited) throw failure('exited before it was ready');
        const ok = await fetch(`${url}${options.readyPath}`, { signal: AbortSignal.timeout(1000) })
          .then(async (res) => {
            await res.arrayBuffer();
            return res.status === 200;
          })
          .catch(() => false);
        if (ok) break;
        if (Date.now() > deadline) throw failure(`did not answer ${options.readyPath} with 200`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  }
  return {
    name: options.name,
    port: options.port,
    url,
    pid: child.pid ?? -1,
    process: child,
    logFile,
    async stop() {
      if (exited) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exit;
      clearTimeout(timer);
    },
  };
}

export function tailOf(file: string, lines = 20): string {
  try {
    return readFileSync(file, 'utf8').split('\n').slice(-lines).join('\n');
  } catch {
    return '(no output)';
  }
}

/** Peak resident set size of a process in MiB (VmHWM), or null off Linux / after exit. */
export function peakRssMiB(pid: number): number | null {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const match = /^VmHWM:\s+(\d+)\s+kB/m.exec(status);
    return match ? Math.round((Number(match[1]) / 1024) * 10) / 10 : null;
  } catch {
    return null;
  }
}
