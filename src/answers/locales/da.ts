// Danish texts of the gateway's own answers.
import type { LocaleTexts } from '../../domain/message-texts';

const overrun = 'Flytningen tager længere tid end planlagt';

export const da: LocaleTexts = {
  apiMigration:
    'Denne kontos data flyttes til EU-datacentret. API-kald er ikke tilgængelige, før flytningen er færdig (forventet senest {endIso}).',
  apiMigrationOverrun: `Denne kontos data flyttes til EU-datacentret. ${overrun}: API-kald er ikke tilgængelige, før den er færdig, og kontoens superadministratorer får en e-mail, når den er færdig.`,
  documentUnavailable:
    'Dette dokument er midlertidigt utilgængeligt på grund af planlagte systemopdateringer. Det er tilgængeligt igen {endDate}.',
  documentUnavailableOverrun: `Dette dokument er midlertidigt utilgængeligt på grund af planlagte systemopdateringer. ${overrun}; kontoens superadministratorer får en e-mail, når den er færdig, og så er dokumentet tilgængeligt igen.`,
  readOnly: 'Ændringer kan ikke gemmes, før dataflytningen er færdig. Indholdet kan stadig læses af alle besøgende i mellemtiden.',
  appMigration:
    'Din kontos data flyttes til Den Europæiske Union (Tyskland).\n\nDin konto er utilgængelig indtil {endDate} kl. {endTime} {timeZone}.\n\nHvis du har spørgsmål, kan du kontakte {contactName}.',
  appMigrationOverrun: `Din kontos data flyttes til Den Europæiske Union (Tyskland).\n\n${overrun}. Din konto er utilgængelig, indtil den er færdig; dine superadministratorer får en e-mail, når den er færdig.\n\nHvis du har spørgsmål, kan du kontakte {contactName}.`,
  portalReply: 'Beskeder kan ikke sendes, fordi systemet gennemgår planlagt vedligeholdelse. Prøv igen senere.',
  chatWriteBlocked: 'Chatbeskeder kan ikke gemmes, mens kontoens data flyttes.',
  importUnavailable: 'Import er ikke muligt, før dataflytningen er færdig (forventet {endDate} kl. {endTime} {timeZone}).',
  importUnavailableOverrun: `Import er ikke muligt, før dataflytningen er færdig. ${overrun}; kontoens superadministratorer får en e-mail, når den er færdig.`,
  emailPaused: 'Marketingmails kan ikke sendes eller planlægges under dataflytningen. Planlæg dem til efter flytningen.',
  emailMigrationDay:
    'Marketingmails kan ikke planlægges til afsendelse på flyttedagen ({migrationDay}) eller under flytningen. Vælg et andet afsendelsestidspunkt.',
  integrationPaused: 'Synkroniseringen af integrationen er sat på pause, mens kontoens data flyttes; den genoptages efter flytningen.',
  titles: {
    apiMigration: 'Kontoflytning i gang',
    documentUnavailable: 'Dokumentet er midlertidigt utilgængeligt',
    readOnly: 'Skrivebeskyttet under dataflytningen',
    appMigration: 'Dataflytning i gang',
    portalReply: 'Planlagt vedligeholdelse',
    chatWriteBlocked: 'Chatten er ikke tilgængelig',
    importUnavailable: 'Import er ikke muligt',
    emailPaused: 'Planlægning af mails er sat på pause',
    emailMigrationDay: 'Afsendelsestidspunktet kan ikke vælges',
    integrationPaused: 'Integrationen er sat på pause',
  },
  accepted: {
    form: 'Dit svar er sendt. På grund af systemvedligeholdelse kan det tage op til et døgn, før det er færdigbehandlet.',
    meeting:
      'Din mødeanmodning er modtaget. På grund af systemvedligeholdelse står den ikke i kalenderen endnu: arrangøren får den på e-mail, når vedligeholdelsen er færdig.',
    analytics: 'Hændelsen er registreret. På grund af systemvedligeholdelse bliver den rapporteret, når vedligeholdelsen er færdig.',
    inbound: 'Modtaget. På grund af systemvedligeholdelse bliver det behandlet, når vedligeholdelsen er færdig.',
  },
  pages: {
    received: 'Modtaget',
    reference: 'Reference: {reference}',
    back: 'Tilbage til siden, du kom fra',
    tooLargeTitle: 'Forespørgslen er for stor',
    tooLarge:
      'Forespørgslens indhold er større end grænsen på {limit} ({limitBytes} byte), der gælder under systemvedligeholdelsen. Intet blev gemt.',
    notStoredTitle: 'Prøv igen',
    notStored:
      'Din forespørgsel kunne ikke gemmes på grund af et midlertidigt problem under systemvedligeholdelsen. Intet blev sendt; prøv igen om lidt.',
  },
};
