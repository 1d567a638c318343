// Loads the Lua scripts in ./lua once per connection with defineCommand (EVALSHA, falling back to EVAL).
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type Redis from 'ioredis';
import type { Cluster } from 'ioredis';

export type RedisClient = Redis | Cluster;

export function defineScript(client: RedisClient, command: string, file: string, numberOfKeys: number): void {
  const lua = readFileSync(path.join(__dirname, 'lua', `${file}.lua`), 'utf8');
  client.defineCommand(command, { numberOfKeys, lua });
}

/** Calls a script defined with defineScript; ioredis adds such commands dynamically, untyped. */
export function runScript(client: RedisClient, name: string, keys: string[], args: (string | number)[]): Promise<unknown> {
  const command = (client as unknown as Record<string, (...a: (string | number)[]) => Promise<unknown>>)[name];
  if (typeof command !== 'function') throw new Error(`Lua script ${name} is not defined on this connection`);
  return command.call(client, ...keys, ...args);
}
