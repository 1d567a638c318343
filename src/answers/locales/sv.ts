// Swedish texts of the gateway's own answers.
import type { LocaleTexts } from '../../domain/message-texts';

const overrun = 'Flytten tar längre tid än planerat';

export const sv: LocaleTexts = {
  apiMigration:
    'Det här kontots data flyttas till EU-datacentret. API-anrop är inte tillgängliga förrän flytten är klar (väntas vara klar senast {endIso}).',
  apiMigrationOverrun: `Det här kontots data flyttas till EU-datacentret. ${overrun}: API-anrop är inte tillgängliga förrän den är klar, och kontots superadministratörer får ett mejl när den är klar.`,
  documentUnavailable:
    'Det här dokumentet är tillfälligt otillgängligt på grund av planerade systemuppdateringar. Det blir tillgängligt igen {endDate}.',
  documentUnavailableOverrun: `Det här dokumentet är tillfälligt otillgängligt på grund av planerade systemuppdateringar. ${overrun}; kontots superadministratörer får ett mejl när den är klar, och då blir dokumentet tillgängligt igen.`,
  readOnly: 'Ändringar kan inte sparas förrän dataflytten är klar. Under tiden kan alla besökare fortfarande läsa innehållet.',
  appMigration:
    'Ditt kontos data flyttas till Europeiska unionen (Tyskland).\n\nDitt konto är inte tillgängligt förrän {endDate} kl. {endTime} {timeZone}.\n\nOm du har frågor kan du kontakta {contactName}.',
  appMigrationOverrun: `Ditt kontos data flyttas till Europeiska unionen (Tyskland).\n\n${overrun}. Ditt konto är inte tillgängligt förrän den är klar; dina superadministratörer får ett mejl när den är klar.\n\nOm du har frågor kan du kontakta {contactName}.`,
  portalReply: 'Det går inte att skicka meddelanden eftersom systemet genomgår planerat underhåll. Försök igen senare.',
  chatWriteBlocked: 'Chattmeddelanden kan inte sparas medan kontots data flyttas.',
  importUnavailable: 'Importer är inte tillgängliga förrän dataflytten är klar (väntas vara klar {endDate} kl. {endTime} {timeZone}).',
  importUnavailableOverrun: `Importer är inte tillgängliga förrän dataflytten är klar. ${overrun}; kontots superadministratörer får ett mejl när den är klar.`,
  emailPaused: 'Marknadsföringsmejl kan inte skickas eller schemaläggas under dataflytten. Schemalägg dem till efter flytten.',
  emailMigrationDay:
    'Marknadsföringsmejl kan inte schemaläggas för utskick på flyttdagen ({migrationDay}) eller under flytten. Välj en annan tidpunkt.',
  integrationPaused: 'Synkroniseringen av integrationen är pausad medan kontots data flyttas; den återupptas efter flytten.',
  titles: {
    apiMigration: 'Kontoflytt pågår',
    documentUnavailable: 'Dokumentet är tillfälligt otillgängligt',
    readOnly: 'Skrivskyddat under dataflytten',
    appMigration: 'Dataflytt pågår',
    portalReply: 'Planerat underhåll',
    chatWriteBlocked: 'Chatten är inte tillgänglig',
    importUnavailable: 'Importer är inte tillgängliga',
    emailPaused: 'Schemaläggning av mejl är pausad',
    emailMigrationDay: 'Utskickstiden går inte att välja',
    integrationPaused: 'Integrationen är pausad',
  },
  accepted: {
    form: 'Ditt svar har skickats. På grund av systemunderhåll kan det ta upp till ett dygn innan det är färdigbehandlat.',
    meeting:
      'Din mötesförfrågan har tagits emot. På grund av systemunderhåll finns den inte i kalendern än: arrangören får den via mejl när underhållet är klart.',
    analytics: 'Händelsen har registrerats. På grund av systemunderhåll rapporteras den när underhållet är klart.',
    inbound: 'Mottaget. På grund av systemunderhåll behandlas det när underhållet är klart.',
  },
  pages: {
    received: 'Mottaget',
    reference: 'Referens: {reference}',
    back: 'Tillbaka till sidan du kom från',
    tooLargeTitle: 'Förfrågan är för stor',
    tooLarge:
      'Förfrågans innehåll är större än gränsen på {limit} ({limitBytes} byte) som gäller under systemunderhållet. Ingenting sparades.',
    notStoredTitle: 'Försök igen',
    notStored:
      'Din förfrågan kunde inte sparas på grund av ett tillfälligt problem under systemunderhållet. Ingenting skickades; försök igen om en stund.',
  },
};
