#!/usr/bin/env node
// mgctl: the operator CLI over the gateway's admin API (`mgctl --help`).
import { runMgctl } from './run-mgctl';

runMgctl(process.argv.slice(2), process.env, {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
}).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`mgctl: unexpected error: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 3;
  },
);
