// Runs the real gateway server as a child process (for fault, shutdown and multi-instance tests) and captures its logs.
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { envSchema } from '../../src/config/env';
import { freePort } from './redis-server';

export const repoRoot = path.resolve(__dirname, '..', '..');

/** Variables the gateway reads (its env schema): never inherited from the test runner's environment, only set explicitly. */
const GATEWAY_VARIABLES = Object.keys(envSchema.shape);

export interface GatewayProcessOptions {
  /** Gateway settings (REDIS_URL, UPSTREAM_US, ...); a value of undefined removes the variable. PORT is chosen when absent. */
  env?: Record<string, string | undefined>;
  /** Script to run, relative to the repo root: TypeScript through tsx, or a built .js file. */
  entry?: string;
  /** How long to wait for GET /healthz to answer 200. */
  readyTimeoutMs?: number;
  /** Skip the /healthz wait (for a process expected to fail at start-up). */
  waitForHealth?: boolean;
  /** Extra node flags (for example --cpu-prof). */
  nodeArgs?: string[];
}

export interface LogLine {
  /** The raw line. */
  line: string;
  /** The parsed JSON object when the line is JSON (pino), else undefined. */
  json?: Record<string, unknown>;
  stream: 'stdout' | 'stderr';
}

export interface GatewayProcess {
  url: string;
  port: number;
  pid: number;
  process: ChildProcess;
  /** Every line written so far, in order. */
  logs: LogLine[];
  kill(signal?: NodeJS.Signals): void;
  /** SIGTERM (or the signal given), then waits for exit; resolves with the exit code (null when killed by a signal). */
  stop(signal?: NodeJS.Signals, timeoutMs?: number): Promise<number | null>;
  /** Resolves once the process has exited, with its exit code. */
  exited: Promise<number | null>;
  /** Waits until a log line matches (already written lines count). */
  waitForLog(match: (line: LogLine) => boolean, timeoutMs?: number): Promise<LogLine>;
}

const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

function parse(line: string, stream: LogLine['stream']): LogLine {
  if (line.startsWith('{')) {
    try {
      return { line, json: JSON.parse(line) as Record<string, unknown>, stream };
    } catch {
      // not JSON after all: kept as text
    }
  }
  return { line, stream };
}

async function healthy(url: string): Promise<boolean> {
  try {
    const res = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(1000) });
    await res.arrayBuffer();
    return res.status === 200;
  } catch {
    return false;
  }
}

export async function startGatewayProcess(options: GatewayProcessOptions = {}): Promise<GatewayProcess> {
  const env: Record<string, string | undefined> = { ...process.env };
  for (const name of GATEWAY_VARIABLES) delete env[name];
  env.LOG_LEVEL = 'info';
  for (const [name, value] of Object.entries(options.env ?? {})) {
    if (value === undefined) delete env[name];
    else env[name] = value;
  }
  const port = env.PORT ? Number(env.PORT) : await freePort();
  env.PORT = String(port);

  const entry = options.entry ?? 'src/server.ts';
  const loader = entry.endsWith('.ts') ? ['--import', 'tsx'] : [];
  const child = spawn(process.execPath, [...(options.nodeArgs ?? []), ...loader, entry], {
    cwd: repoRoot,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.add(child);

  const logs: LogLine[] = [];
  const listeners = new Set<(line: LogLine) => void>();
  const capture = (stream: LogLine['stream']) => {
    let pending = '';
    return (chunk: Buffer) => {
      pending += chunk.toString('utf8');
      let newline = pending.indexOf('\n');
      while (newline !== -1) {
        const text = pending.slice(0, newline).replace(/\r$/, '');
        pending = pending.slice(newline + 1);
        if (text.length > 0) {
          const entryLine = parse(text, stream);
          logs.push(entryLine);
          for (const listener of listeners) listener(entryLine);
        }
        newline = pending.indexOf('\n');
      }
    };
  };
  child.stdout?.on('data', capture('stdout'));
  child.stderr?.on('data', capture('stderr'));

  const exited = new Promise<number | null>((resolve) => {
    child.once('exit', (code) => {
      running.delete(child);
      resolve(code);
    });
  });
  let hasExited = false;
  void exited.then(() => {
    hasExited = true;
  });

  const url = `http://127.0.0.1:${port}`;
  const handle: GatewayProcess = {
    url,
    port,
    pid: child.pid ?? -1,
    process: child,
    logs,
    exited,
    kill(signal: NodeJS.Signals = 'SIGTERM') {
      if (!hasExited) child.kill(signal);
    },
    async stop(signal: NodeJS.Signals = 'SIGTERM', timeoutMs = 15_000) {
      if (!hasExited) {
        child.kill(signal);
        const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
        try {
          return await exited;
        } finally {
          clearTimeout(timer);
        }
      }
      return exited;
    },
    waitForLog(match, timeoutMs = 10_000) {
      const found = logs.find(match);
      if (found) return Promise.resolve(found);
      return new Promise<LogLine>((resolve, reject) => {
        const timer = setTimeout(() => {
          listeners.delete(listener);
          reject(new Error(`no matching log line within ${timeoutMs} ms; last lines:\n${tail(logs)}`));
        }, timeoutMs);
        const listener = (line: LogLine) => {
          if (!match(line)) return;
          clearTimeout(timer);
          listeners.delete(listener);
          resolve(line);
        };
        listeners.add(listener);
      });
    },
  };

  if (options.waitForHealth === false) return handle;
  const deadline = Date.now() + (options.readyTimeoutMs ?? 20_000);
  for (;;) {
    if (hasExited) {
      throw new Error(`gateway exited with code ${String(child.exitCode)} before /healthz answered; output:\n${tail(logs)}`);
    }
    if (await healthy(url)) return handle;
    if (Date.now() > deadline) {
      await handle.stop('SIGKILL');
      throw new Error(`gateway did not answer /healthz within ${options.readyTimeoutMs ?? 20_000} ms; output:\n${tail(logs)}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

function tail(logs: LogLine[], count = 30): string {
  return logs
    .slice(-count)
    .map((entry) => entry.line)
    .join('\n');
}
