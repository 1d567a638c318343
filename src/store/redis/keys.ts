// Key naming: every per-account key carries the account in a hash tag so one account's keys share a cluster slot.

export function accountKey(prefix: string, accountId: string, name: string): string {
  return `${prefix}{${accountId}}:${name}`;
}

/** Keys that are not per account (indexes, day capacity) get their own tag. */
export function globalKey(prefix: string, name: string): string {
  return `${prefix}{global}:${name}`;
}
