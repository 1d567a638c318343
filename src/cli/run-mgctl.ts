// mgctl's arguments → one admin API call → output and an exit code (kept apart from process I/O so tests can drive it).
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { AdminUnreachable, adminPath, callAdmin, type AdminAnswer, type AdminClientOptions } from './admin-client';
import { formatAccount, formatBuffer, formatIntegration, formatMigration, formatWarnings } from './format';

export const EXIT = { ok: 0, refused: 1, usage: 2, unavailable: 3 } as const;

export interface CliIo {
  out(line: string): void;
  err(line: string): void;
}

export const USAGE = `usage: mgctl [--url URL] [--token TOKEN] [--actor ID] [--json] <command>

commands:
  account set <id> --file settings.json   create or replace an account's settings
  account show <id>                       settings, migration, buffer and recent changes
  schedule <id> --start ISO [--target eu] schedule a migration (needs --actor: a super admin)
  reschedule <id> --start ISO             move a scheduled migration (needs --actor)
  cancel <id>                             cancel a scheduled migration (needs --actor)
  status <id>                             the migration's status and phase
  buffer <id>                             buffered requests and dead letters
  redrive <id>                            put dead letters back in the replay queue
  integration <id> <name>                 an integration's state and 24 h usage
  clear-suspension <id> <name>            clear an integration's suspension

options (or environment):
  --url URL       gateway base URL (MG_URL, default http://127.0.0.1:8080)
  --token TOKEN   admin bearer token (MG_TOKEN)
  --actor ID      acting user, sent as X-Actor-Id (MG_ACTOR)
  --json          print the API's JSON answer instead of text
  --timeout MS    give up after MS milliseconds (default 10000)

exit codes: 0 done, 1 refused by the API (4xx), 2 usage error, 3 gateway unreachable or failing (5xx)`;

class UsageError extends Error {}

interface Call {
  method: string;
  path: string;
  body?: unknown;
  /** Renders a successful answer as text. */
  render(answer: AdminAnswer): string[];
}

const ACTOR_COMMANDS = new Set(['schedule', 'reschedule', 'cancel']);

function need(positionals: string[], count: number, shape: string): string[] {
  if (positionals.length !== count) throw new UsageError(`expected: mgctl ${shape}`);
  for (const value of positionals) if (value === '') throw new UsageError(`expected: mgctl ${shape} (empty argument)`);
  return positionals;
}

async function readSettings(file: string | undefined): Promise<unknown> {
  if (!file) throw new UsageError('account set needs --file <settings.json>');
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new UsageError(`cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new UsageError(`${file} is not valid JSON`);
  }
}

const migrationOf = (body: unknown): unknown => (typeof body === 'object' && body !== null ? (body as { migration?: unknown }).migration : undefined);

async function buildCall(command: string, args: string[], values: { file?: string; start?: string; target?: string }): Promise<Call> {
  switch (command) {
    case 'account': {
      const [sub, ...rest] = args;
      if (sub === 'set') {
        const [id] = need(rest, 1, 'account set <id> --file settings.json');
        const body = await readSettings(values.file);
        return {
          method: 'PUT',
          path: adminPath('accounts', id),
          body,
          render: (answer) => [`account ${id} ${answer.status === 201 ? 'created' : 'updated'}`, ...formatAccount(answer.body)],
        };
      }
      if (sub === 'show') {
        const [id] = need(rest, 1, 'account show <id>');
        return { method: 'GET', path: adminPath('accounts', id), render: (answer) => formatAccount(answer.body) };
      }
      throw new UsageError('expected: mgctl account set <id> --file settings.json | mgctl account show <id>');
    }
    case 'schedule': {
      const [id] = need(args, 1, 'schedule <id> --start ISO [--target eu]');
      if (!values.start) throw new UsageError('schedule needs --start <ISO-8601 date-time>, e.g. 2026-12-08T21:00:00Z');
      return {
        method: 'POST',
        path: adminPath('accounts', id, 'migration'),
        body: { start: values.start, target: values.target ?? 'eu' },
        render: (answer) => [`migration of ${id} scheduled`, ...formatMigration(migrationOf(answer.body)), ...formatWarnings((answer.body as { warnings?: unknown } | null)?.warnings)],
      };
    }
    case 'reschedule': {
      const [id] = need(args, 1, 'reschedule <id> --start ISO');
      if (!values.start) throw new UsageError('reschedule needs --start <ISO-8601 date-time>');
      return {
        method: 'PATCH',
        path: adminPath('accounts', id, 'migration'),
        body: { start: values.start },
        render: (answer) => [`migration of ${id} rescheduled`, ...formatMigration(migrationOf(answer.body))],
      };
    }
    case 'cancel': {
      const [id] = need(args, 1, 'cancel <id>');
      return {
        method: 'DELETE',
        path: adminPath('accounts', id, 'migration'),
        render: (answer) => [`migration of ${id} cancelled`, ...formatMigration(migrationOf(answer.body))],
      };
    }
    case 'status': {
      const [id] = need(args, 1, 'status <id>');
      return {
        method: 'GET',
        path: adminPath('accounts', id),
        render: (answer) => {
          const account = (answer.body ?? {}) as { dataLocation?: unknown; buffered?: { waiting?: unknown } };
          const lines = [`${id}: data in ${String(account.dataLocation ?? '-')}`, ...formatMigration(migrationOf(answer.body))];
          if (typeof account.buffered?.waiting === 'number') lines.push(`buffered: ${account.buffered.waiting} waiting`);
          return lines;
        },
      };
    }
    case 'buffer': {
      const [id] = need(args, 1, 'buffer <id>');
      return { method: 'GET', path: adminPath('accounts', id, 'buffer'), render: (answer) => formatBuffer(answer.body) };
    }
    case 'redrive': {
      const [id] = need(args, 1, 'redrive <id>');
      return {
        method: 'POST',
        path: adminPath('accounts', id, 'buffer', 'redrive'),
        render: (answer) => [`${String((answer.body as { redriven?: unknown } | null)?.redriven ?? 0)} dead letters of ${id} put back for replay`],
      };
    }
    case 'integration': {
      const [id, name] = need(args, 2, 'integration <id> <name>');
      return { method: 'GET', path: adminPath('accounts', id, 'integrations', name), render: (answer) => formatIntegration(id, answer.body) };
    }
    case 'clear-suspension': {
      const [id, name] = need(args, 2, 'clear-suspension <id> <name>');
      return {
        method: 'POST',
        path: adminPath('accounts', id, 'integrations', name, 'clear-suspension'),
        render: (answer) => [`suspension of ${name} cleared for ${id}`, ...formatIntegration(id, answer.body)],
      };
    }
    default:
      throw new UsageError(`unknown command "${command}"`);
  }
}

function apiError(body: unknown): { code: string; message: string } {
  const error = typeof body === 'object' && body !== null ? (body as { error?: { code?: unknown; message?: unknown } }).error : undefined;
  return {
    code: typeof error?.code === 'string' ? error.code : 'UNKNOWN',
    message: typeof error?.message === 'string' ? error.message : typeof body === 'string' ? body.slice(0, 300) : 'no message',
  };
}

export async function runMgctl(argv: string[], env: Record<string, string | undefined>, io: CliIo): Promise<number> {
  let values: { url?: string; token?: string; actor?: string; json?: boolean; file?: string; start?: string; target?: string; timeout?: string; help?: boolean };
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: {
        url: { type: 'string' },
        token: { type: 'string' },
        actor: { type: 'string' },
        json: { type: 'boolean' },
        file: { type: 'string', short: 'f' },
        start: { type: 'string' },
        target: { type: 'string' },
        timeout: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (error) {
    io.err(`mgctl: ${(error as Error).message}`);
    io.err(USAGE);
    return EXIT.usage;
  }
  if (values.help) {
    io.out(USAGE);
    return EXIT.ok;
  }
  const [command, ...args] = positionals;
  try {
    if (!command) throw new UsageError('no command given');
    const url = values.url ?? env.MG_URL ?? 'http://127.0.0.1:8080';
    if (!/^https?:\/\/[^\s]+$/.test(url)) throw new UsageError(`--url must be an http:// or https:// URL, got "${url}"`);
    const token = values.token ?? env.MG_TOKEN;
    if (!token) throw new UsageError('no admin token: pass --token or set MG_TOKEN');
    const actor = values.actor ?? env.MG_ACTOR;
    if (ACTOR_COMMANDS.has(command) && !actor) throw new UsageError(`${command} needs --actor (or MG_ACTOR): the id of the super admin acting`);
    const timeoutMs = values.timeout === undefined ? 10_000 : Number(values.timeout);
    if (!Number.isInteger(timeoutMs) || timeoutMs <= 0) throw new UsageError('--timeout must be a positive number of milliseconds');
    const call = await buildCall(command, args, values);
    const client: AdminClientOptions = { url, token, actor, timeoutMs };

    const answer = await callAdmin(client, call.method, call.path, call.body);
    if (values.json) io.out(JSON.stringify(answer.body, null, 2));
    if (answer.status >= 200 && answer.status < 300) {
      if (!values.json) for (const line of call.render(answer)) io.out(line);
      return EXIT.ok;
    }
    const { code, message } = apiError(answer.body);
    if (answer.status >= 500) {
      io.err(`mgctl: the gateway failed (${answer.status} ${code}): ${message}`);
      return EXIT.unavailable;
    }
    io.err(`mgctl: refused (${answer.status} ${code}): ${message}`);
    return EXIT.refused;
  } catch (error) {
    if (error instanceof UsageError) {
      io.err(`mgctl: ${error.message}`);
      io.err('run mgctl --help for the commands and options');
      return EXIT.usage;
    }
    if (error instanceof AdminUnreachable) {
      io.err(`mgctl: ${error.message}`);
      return EXIT.unavailable;
    }
    throw error;
  }
}
