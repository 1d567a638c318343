// German texts of the gateway's own answers.
import type { LocaleTexts } from '../../domain/message-texts';

const overrun = 'Die Migration dauert länger als geplant';

export const de: LocaleTexts = {
  apiMigration:
    'Die Daten dieses Kontos werden in das EU-Rechenzentrum migriert. API-Aufrufe sind bis zum Abschluss der Migration nicht verfügbar (voraussichtlich bis {endIso}).',
  apiMigrationOverrun: `Die Daten dieses Kontos werden in das EU-Rechenzentrum migriert. ${overrun}: API-Aufrufe sind bis zu ihrem Abschluss nicht verfügbar, und die Super-Admins des Kontos werden per E-Mail benachrichtigt, sobald sie abgeschlossen ist.`,
  documentUnavailable:
    'Dieses Dokument ist wegen geplanter Systemaktualisierungen vorübergehend nicht verfügbar. Es ist ab {endDate} wieder verfügbar.',
  documentUnavailableOverrun: `Dieses Dokument ist wegen geplanter Systemaktualisierungen vorübergehend nicht verfügbar. ${overrun}; die Super-Admins des Kontos werden per E-Mail benachrichtigt, sobald sie abgeschlossen ist, und dann ist das Dokument wieder verfügbar.`,
  readOnly:
    'Änderungen können erst nach Abschluss der Datenmigration gespeichert werden. Der Inhalt bleibt in der Zwischenzeit für alle Besucher lesbar.',
  appMigration:
    'Die Daten Ihres Kontos werden in die Europäische Union (Deutschland) verschoben.\n\nIhr Konto ist bis {endDate}, {endTime} Uhr {timeZone} nicht verfügbar.\n\nWenn Sie Fragen haben, wenden Sie sich an {contactName}.',
  appMigrationOverrun: `Die Daten Ihres Kontos werden in die Europäische Union (Deutschland) verschoben.\n\n${overrun}. Ihr Konto bleibt bis zu ihrem Abschluss nicht verfügbar; Ihre Super-Admins werden per E-Mail benachrichtigt, sobald sie abgeschlossen ist.\n\nWenn Sie Fragen haben, wenden Sie sich an {contactName}.`,
  portalReply: 'Nachrichten können nicht gesendet werden, weil das System planmäßig gewartet wird. Bitte versuchen Sie es später erneut.',
  chatWriteBlocked: 'Chatnachrichten können nicht gespeichert werden, während die Kontodaten migriert werden.',
  importUnavailable:
    'Importe sind bis zum Abschluss der Datenmigration nicht verfügbar (voraussichtlich bis {endDate}, {endTime} Uhr {timeZone}).',
  importUnavailableOverrun: `Importe sind bis zum Abschluss der Datenmigration nicht verfügbar. ${overrun}; die Super-Admins des Kontos werden per E-Mail benachrichtigt, sobald sie abgeschlossen ist.`,
  emailPaused:
    'Marketing-E-Mails können während der Datenmigration weder gesendet noch geplant werden. Planen Sie sie für die Zeit nach der Migration ein.',
  emailMigrationDay:
    'Marketing-E-Mails können nicht für den Versand am Migrationstag ({migrationDay}) oder während der Migration geplant werden. Wählen Sie einen anderen Sendezeitpunkt.',
  integrationPaused:
    'Die Synchronisierung der Integration ist pausiert, während die Kontodaten migriert werden; sie wird nach der Migration fortgesetzt.',
  titles: {
    apiMigration: 'Kontomigration läuft',
    documentUnavailable: 'Dokument vorübergehend nicht verfügbar',
    readOnly: 'Schreibgeschützt während der Datenmigration',
    appMigration: 'Datenmigration läuft',
    portalReply: 'Planmäßige Wartung',
    chatWriteBlocked: 'Chat nicht verfügbar',
    importUnavailable: 'Importe nicht verfügbar',
    emailPaused: 'E-Mail-Planung pausiert',
    emailMigrationDay: 'Sendezeitpunkt nicht möglich',
    integrationPaused: 'Integration pausiert',
  },
  accepted: {
    form: 'Ihre Antwort wurde übermittelt. Wegen Systemwartungsarbeiten kann die Verarbeitung bis zu einem Tag dauern.',
    meeting:
      'Ihre Terminanfrage ist eingegangen. Wegen Systemwartungsarbeiten steht sie noch nicht im Kalender: Der Organisator erhält sie per E-Mail, sobald die Wartung abgeschlossen ist.',
    analytics: 'Ereignis erfasst. Wegen Systemwartungsarbeiten wird es erst nach Abschluss der Wartung ausgewertet.',
    inbound: 'Angenommen. Wegen Systemwartungsarbeiten wird es erst nach Abschluss der Wartung verarbeitet.',
  },
  pages: {
    received: 'Eingegangen',
    reference: 'Referenz: {reference}',
    back: 'Zurück zur vorherigen Seite',
    tooLargeTitle: 'Anfrage zu groß',
    tooLarge:
      'Der Inhalt der Anfrage überschreitet die während der Systemwartung geltende Grenze von {limit} ({limitBytes} Byte). Es wurde nichts gespeichert.',
    notStoredTitle: 'Bitte erneut versuchen',
    notStored:
      'Ihre Anfrage konnte wegen eines vorübergehenden Problems während der Systemwartung nicht gespeichert werden. Es wurde nichts übermittelt; bitte versuchen Sie es gleich noch einmal.',
  },
};
