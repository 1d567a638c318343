// The 477's reason phrase: 477 is no IANA status, so Node would write "477 unknown" without one.

/** SPEC §10: the status line reads `477 Migration In Progress` (HTTP answers and refused WebSocket upgrades alike). */
export const MIGRATION_IN_PROGRESS_REASON = 'Migration In Progress';
