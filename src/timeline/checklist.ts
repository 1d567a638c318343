// The post-migration checklist (SPEC §2): one item per action the source document asks of the account after a move.

export interface ChecklistItem {
  /** Stable, kebab-case: operators and scripts mark items by id. */
  id: string;
  title: string;
  description: string;
}

export const CHECKLIST_ITEMS: readonly ChecklistItem[] = [
  {
    id: 'connect-dedicated-ip',
    title: 'Connect the dedicated IP for email sending',
    description: 'Until the dedicated IP is connected again, marketing email is sent from a shared IP.',
  },
  {
    id: 'update-smtp-host-and-port',
    title: 'Update the SMTP host name and port',
    description: 'Transactional email sent through the SMTP API fails until senders use the new host name and port.',
  },
  {
    id: 'reinstall-data-warehouse-integration',
    title: 'Reinstall the data-sharing warehouse integration',
    description: 'Uninstall the data-sharing warehouse integration and install it again so it connects to the new data centre.',
  },
  {
    id: 'add-reverse-proxy-dns-records',
    title: 'Add the new TXT and CNAME DNS records',
    description:
      'For every domain connected through a reverse proxy, add the new TXT and CNAME records; until then the site stays offline.',
  },
  {
    id: 'update-email-logging-addresses',
    title: 'Update the BCC and forwarding addresses for email logging',
    description: 'Emails sent to the old BCC or forwarding addresses are no longer logged.',
  },
  {
    id: 'update-form-embed-code',
    title: 'Update form embed code on external sites',
    description: 'Forms embedded on sites outside the platform need the new embed code.',
  },
  {
    id: 'update-tracking-script-embed-code',
    title: 'Update the tracking-script embed code (also on WordPress)',
    description: 'Replace the tracking script on every external site, including sites that use the WordPress plugin.',
  },
  {
    id: 'notification-sounds-reset',
    title: 'Notification sounds were reset to default',
    description: 'Choose your notification sounds again if you had changed them.',
  },
  {
    id: 'browser-notifications-off',
    title: 'Browser notifications were turned off',
    description: 'Turn browser notifications on again for every user who wants them.',
  },
  {
    id: 'meeting-links-changed',
    title: 'Meeting links may have changed',
    description: 'Check the meeting links you share (email signatures, pages, sequences) and replace any that changed.',
  },
];

export function checklistItem(id: string): ChecklistItem | undefined {
  return CHECKLIST_ITEMS.find((item) => item.id === id);
}
