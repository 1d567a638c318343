// mgctl's arguments → one admin API call → output and an exit code (kept apart from process I/O so tests can drive it).
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { AdminUnreachable, adminPath, callAdmin, type AdminAnswer, type AdminClientOptions } from './admin-client';
import { formatAccount, formatBuffer, formatDomains, formatIntegration, formatMigration, formatTokens, formatWarnings } from './format';

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
  domains list <id>                       the account's custom domains
  domains set <id> [domain...]            replace them (none = drop all); other settings are kept
  token register <id> --sha256 HEX | --secret-file FILE | --secret TOKEN [--label TEXT]
                                          register an API token (only its SHA-256 digest is stored)
  token list <id>                         the account's API tokens (id, label, created)
  token delete <id> <tokenId>             delete an API token by its 12-digit id

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
  /** Read-modify-write: GET this path first and build the body from its answer (a failed GET is reported as such). */
  bodyFrom?: { path: string; build(current: unknown): unknown };
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

/** The fields of PUT /accounts/:id, and the fields GET adds around them: anything else would be lost by a rewrite. */
const SETTINGS_FIELDS = new Set([
  'dataLocation',
  'timezone',
  'contactName',
  'superAdmins',
  'paymentsEnabled',
  'ssoEnabled',
  'hasSandbox',
  'integrations',
  'meetingLinks',
  'connectedApps',
  'locale',
  'domains',
]);
const VIEW_FIELDS = new Set(['id', 'migration', 'version', 'updatedAt', 'audit', 'buffered', 'integrationStatus']);

/** The account's settings as shown by GET, with `domains` replaced. Refuses a view with fields it does not know. */
function settingsWithDomains(view: unknown, domains: string[]): Record<string, unknown> {
  const shown = typeof view === 'object' && view !== null ? (view as Record<string, unknown>) : {};
  const unknown = Object.keys(shown).filter((key) => !SETTINGS_FIELDS.has(key) && !VIEW_FIELDS.has(key));
  if (unknown.length > 0)
    throw new UsageError(
      `the account shows fields this mgctl does not know (${unknown.join(', ')}): change domains with account set instead`,
    );
  const settings = Object.fromEntries(Object.entries(shown).filter(([key]) => SETTINGS_FIELDS.has(key)));
  return { ...settings, domains };
}

async function readSecret(values: { secret?: string; 'secret-file'?: string }): Promise<string | undefined> {
  if (values['secret-file'] === undefined) return values.secret;
  try {
    // A file written by `echo` ends in a newline that is no part of the token.
    return (await readFile(values['secret-file'], 'utf8')).replace(/\r?\n$/, '');
  } catch (error) {
    throw new UsageError(`cannot read ${values['secret-file']}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
}

const migrationOf = (body: unknown): unknown =>
  typeof body === 'object' && body !== null ? (body as { migration?: unknown }).migration : undefined;

interface CallValues {
  file?: string;
  start?: string;
  target?: string;
  secret?: string;
  'secret-file'?: string;
  sha256?: string;
  label?: string;
}

async function buildCall(command: string, args: string[], values: CallValues): Promise<Call> {
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
        render: (answer) => [
          `migration of ${id} scheduled`,
          ...formatMigration(migrationOf(answer.body)),
          ...formatWarnings((answer.body as { warnings?: unknown } | null)?.warnings),
        ],
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
        render: (answer) => [
          `${String((answer.body as { redriven?: unknown } | null)?.redriven ?? 0)} dead letters of ${id} put back for replay`,
        ],
      };
    }
    case 'integration': {
      const [id, name] = need(args, 2, 'integration <id> <name>');
      return {
        method: 'GET',
        path: adminPath('accounts', id, 'integrations', name),
        render: (answer) => formatIntegration(id, answer.body),
      };
    }
    case 'clear-suspension': {
      const [id, name] = need(args, 2, 'clear-suspension <id> <name>');
      return {
        method: 'POST',
        path: adminPath('accounts', id, 'integrations', name, 'clear-suspension'),
        render: (answer) => [`suspension of ${name} cleared for ${id}`, ...formatIntegration(id, answer.body)],
      };
    }
    case 'domains': {
      const [sub, id, ...domains] = args;
      if (sub === 'list') {
        const [accountId] = need(args.slice(1), 1, 'domains list <id>');
        return { method: 'GET', path: adminPath('accounts', accountId), render: (answer) => formatDomains(accountId, answer.body) };
      }
      if (sub === 'set' && id) {
        need([id, ...domains], 1 + domains.length, 'domains set <id> [domain...]');
        return {
          method: 'PUT',
          path: adminPath('accounts', id),
          bodyFrom: { path: adminPath('accounts', id), build: (current) => settingsWithDomains(current, domains) },
          render: (answer) => formatDomains(id, answer.body),
        };
      }
      throw new UsageError('expected: mgctl domains list <id> | mgctl domains set <id> [domain...]');
    }
    case 'token': {
      const [sub, ...rest] = args;
      if (sub === 'register') {
        const [id] = need(rest, 1, 'token register <id> --sha256 HEX | --secret-file FILE | --secret TOKEN [--label TEXT]');
        const secret = await readSecret(values);
        if (
          (secret === undefined) === (values.sha256 === undefined) ||
          (values.secret !== undefined && values['secret-file'] !== undefined)
        ) {
          throw new UsageError('token register needs exactly one of --sha256, --secret-file and --secret');
        }
        const body = {
          ...(secret !== undefined ? { token: secret } : { sha256: values.sha256 }),
          ...(values.label !== undefined ? { label: values.label } : {}),
        };
        return {
          method: 'POST',
          path: adminPath('accounts', id, 'api-tokens'),
          body,
          render: (answer) => [
            `API token ${answer.status === 201 ? 'registered' : 'was already registered'} for ${id}`,
            ...formatTokens({ tokens: [answer.body] }),
          ],
        };
      }
      if (sub === 'list') {
        const [id] = need(rest, 1, 'token list <id>');
        return { method: 'GET', path: adminPath('accounts', id, 'api-tokens'), render: (answer) => formatTokens(answer.body) };
      }
      if (sub === 'delete') {
        const [id, tokenId] = need(rest, 2, 'token delete <id> <tokenId>');
        return {
          method: 'DELETE',
          path: adminPath('accounts', id, 'api-tokens', tokenId),
          render: () => [`API token ${tokenId} of ${id} deleted`],
        };
      }
      throw new UsageError('expected: mgctl token register|list|delete <id> ...');
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
  let values: CallValues & { url?: string; token?: string; actor?: string; json?: boolean; timeout?: string; help?: boolean };
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
        secret: { type: 'string' },
        'secret-file': { type: 'string' },
        sha256: { type: 'string' },
        label: { type: 'string' },
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
    if (ACTOR_COMMANDS.has(command) && !actor)
      throw new UsageError(`${command} needs --actor (or MG_ACTOR): the id of the super admin acting`);
    const timeoutMs = values.timeout === undefined ? 10_000 : Number(values.timeout);
    if (!Number.isInteger(timeoutMs) || timeoutMs <= 0) throw new UsageError('--timeout must be a positive number of milliseconds');
    const call = await buildCall(command, args, values);
    const client: AdminClientOptions = { url, token, actor, timeoutMs };

    let answer: AdminAnswer;
    if (call.bodyFrom) {
      const current = await callAdmin(client, 'GET', call.bodyFrom.path);
      answer =
        current.status >= 200 && current.status < 300
          ? await callAdmin(client, call.method, call.path, call.bodyFrom.build(current.body))
          : current;
    } else {
      answer = await callAdmin(client, call.method, call.path, call.body);
    }
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
