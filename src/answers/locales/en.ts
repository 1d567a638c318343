// English texts of the gateway's own answers: the SPEC's sentences, and the fallback of every other locale.
import type { LocaleTexts } from '../../domain/message-texts';

const overrun = 'The migration is taking longer than planned';

export const en: LocaleTexts = {
  dateLocale: 'en-GB',
  apiMigration:
    "This account's data is being migrated to the EU data centre. API calls are unavailable until the migration is done (expected by {endIso}).",
  apiMigrationOverrun: `This account's data is being migrated to the EU data centre. ${overrun}: API calls are unavailable until it is done, and the account's super admins will be emailed when it is done.`,
  documentUnavailable: 'This document is temporarily unavailable due to scheduled system updates. It will be available again on {endDate}.',
  documentUnavailableOverrun: `This document is temporarily unavailable due to scheduled system updates. ${overrun}; the account's super admins will be emailed when it is done, and the document will be available again then.`,
  readOnly: 'Changes cannot be saved until the data migration is done. The content stays readable for every visitor in the meantime.',
  appMigration:
    'Your account data is being moved to the European Union (Germany).\n\nYour account will be unavailable until {endDate} at {endTime} {timeZone}.\n\nIf you have questions, contact {contactName}.',
  appMigrationOverrun: `Your account data is being moved to the European Union (Germany).\n\n${overrun}. Your account stays unavailable until it is done; your super admins will be emailed when it is done.\n\nIf you have questions, contact {contactName}.`,
  portalReply: "Messages can't be sent because the system is undergoing scheduled maintenance. Please come back later.",
  chatWriteBlocked: 'Chat messages cannot be saved while the account data is being migrated.',
  importUnavailable: 'Imports are unavailable until the data migration is done (expected by {endDate} at {endTime} {timeZone}).',
  importUnavailableOverrun: `Imports are unavailable until the data migration is done. ${overrun}; the account's super admins will be emailed when it is done.`,
  emailPaused: 'Marketing emails cannot be sent or scheduled during the data migration. Reschedule them for after the migration.',
  emailMigrationDay:
    'Marketing emails cannot be scheduled to send on the migration day ({migrationDay}) or during the migration. Choose another send time.',
  integrationPaused: 'Integration sync is paused while the account data is being migrated; it resumes after the migration.',
  titles: {
    apiMigration: 'Account migration in progress',
    documentUnavailable: 'Document temporarily unavailable',
    readOnly: 'Read-only during data migration',
    appMigration: 'Data migration in progress',
    portalReply: 'Scheduled maintenance',
    chatWriteBlocked: 'Chat unavailable',
    importUnavailable: 'Imports unavailable',
    emailPaused: 'Email scheduling paused',
    emailMigrationDay: 'Send time unavailable',
    integrationPaused: 'Integration paused',
  },
  accepted: {
    form: 'Your response has been submitted. Due to system maintenance, it may take up to a day to complete processing.',
    meeting:
      'Your meeting request has been received. Due to system maintenance, it is not in the calendar yet: the organiser will receive it by email once maintenance is complete.',
    analytics: 'Event recorded. Due to system maintenance, it will be reported once maintenance is complete.',
    inbound: 'Accepted. Due to system maintenance, it will be processed once maintenance is complete.',
  },
  pages: {
    received: 'Received',
    reference: 'Reference: {reference}',
    back: 'Back to the page you came from',
    tooLargeTitle: 'Request too large',
    tooLarge:
      'The request body is larger than the limit of {limit} ({limitBytes} bytes) accepted during system maintenance. Nothing was stored.',
    notStoredTitle: 'Please try again',
    notStored:
      'Your request could not be stored because of a temporary problem during system maintenance. Nothing was submitted; please try again shortly.',
  },
};
