// The kinds of notification the gateway sends super admins and operators (SPEC §5, §7): shared by the timeline, its store and the admin API.

export type NotificationKind =
  | 'scheduled'
  | 'week_of'
  | 'day_before'
  | 'completed'
  | 'failed'
  | 'rescheduled'
  | 'cancelled'
  | 'meetings_requested'
  | 'integration_suspended';

export const NOTIFICATION_KINDS: readonly NotificationKind[] = [
  'scheduled',
  'week_of',
  'day_before',
  'completed',
  'failed',
  'rescheduled',
  'cancelled',
  'meetings_requested',
  'integration_suspended',
];
