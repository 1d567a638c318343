// Status lines of the gateway's own answers: 477 is no IANA status, so Node would print "477 unknown" without a phrase.

export const MIGRATION_IN_PROGRESS_STATUS = 477;
/** SPEC §10: the status line reads `477 Migration In Progress` (HTTP answers and refused WebSocket upgrades alike). */
export const MIGRATION_IN_PROGRESS_REASON = 'Migration In Progress';

/** The reason phrase for a status the gateway writes itself, where Node has none of its own. */
export function reasonPhrase(status: number): string | undefined {
  return status === MIGRATION_IN_PROGRESS_STATUS ? MIGRATION_IN_PROGRESS_REASON : undefined;
}
