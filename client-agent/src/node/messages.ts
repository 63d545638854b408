import type { DisconnectReason, ErrorName } from '@varsel/shared';
import type { Language } from '../core/index.js';

type Text = Record<Language, string>;

/**
 * Everything the PC agent says to a person, in Danish (default) and English. `{name}` marks a
 * value filled in by msg(). Logs on stderr stay English: they are read by KIT, not by employees.
 */
const MESSAGES = {
  usage: {
    da: `varsel-agent {version}: Varsel-agenten for KIT-administrerede pc'er (Københavns Kommune)

Brug:
  varsel-agent enroll --server URL --token NØGLE [--org-unit ENHED] [--location STED] [--hostname NAVN]
  varsel-agent run [--auto-ack] [--no-sound]
  varsel-agent status
  varsel-agent --help

Kommandoer:
  enroll   Tilmeld denne pc hos Varsel (én gang, med en tilmeldingsnøgle fra KIT)
  run      Forbind og vis varsler, indtil agenten stoppes (Ctrl+C)
  status   Vis den gemte tilmelding (aldrig hemmeligheden)

Tilvalg:
  --server URL        Varsel-serveren, fx https://varsel.kk.dk (kun skema, vært og port)
  --token NØGLE       tilmeldingsnøgle fra KIT
  --org-unit ENHED    organisatorisk enhed, fx KIT (standard: nøglens enhed)
  --location STED     lokation, fx raadhuset
  --hostname NAVN     navnet, konsollen viser (standard: maskinens navn)
  --auto-ack          kvittér for sirener, så snart de vises (ubemandede skærme)
  --no-sound          afspil ikke sirenelyden
  --state-dir MAPPE   mappen med tilstandsfilen (standard: {stateDir})
  --lang da|en        sprog for beskeder og varsler (standard: da)
  -v, --verbose       udførlig log på stderr
  -h, --help          vis denne hjælp

Afslutningskoder: 0 ok, 1 fejl, 2 serveren afviser enheden (tilmeld igen eller opdatér),
64 forkert brug, 78 ikke tilmeldt.
`,
    en: `varsel-agent {version}: the Varsel agent for KIT-managed PCs (Copenhagen Municipality)

Usage:
  varsel-agent enroll --server URL --token TOKEN [--org-unit UNIT] [--location LOCATION] [--hostname NAME]
  varsel-agent run [--auto-ack] [--no-sound]
  varsel-agent status
  varsel-agent --help

Commands:
  enroll   Register this PC with Varsel (once, with an enrollment token from KIT)
  run      Connect and show alerts until stopped (Ctrl+C)
  status   Show the stored enrollment (never the secret)

Options:
  --server URL        the Varsel server, e.g. https://varsel.kk.dk (scheme, host and port only)
  --token TOKEN       enrollment token from KIT
  --org-unit UNIT     org unit, e.g. KIT (default: the token's unit)
  --location LOCATION location, e.g. raadhuset
  --hostname NAME     the name the console shows (default: this machine's name)
  --auto-ack          acknowledge sirens as soon as they are shown (unattended screens)
  --no-sound          do not play the siren sound
  --state-dir DIR     directory of the state file (default: {stateDir})
  --lang da|en        language of messages and alerts (default: da)
  -v, --verbose       detailed log on stderr
  -h, --help          show this help

Exit codes: 0 ok, 1 failure, 2 the server refuses this device (re-enroll or upgrade),
64 wrong usage, 78 not enrolled.
`,
  },
  seeHelp: { da: 'Se: varsel-agent --help', en: 'See: varsel-agent --help' },
  usageError: { da: 'Fejl i kommandolinjen:', en: 'Command line error:' },
  missingCommand: { da: 'angiv en kommando: enroll, run eller status', en: 'give a command: enroll, run or status' },
  unknownCommand: { da: 'ukendt kommando "{value}"', en: 'unknown command "{value}"' },
  unknownOption: { da: 'ukendt tilvalg {flag}', en: 'unknown option {flag}' },
  optionNotForCommand: { da: '{flag} hører ikke til kommandoen {command}', en: '{flag} does not apply to the command {command}' },
  missingValue: { da: '{flag} mangler en værdi', en: '{flag} needs a value' },
  missingOption: { da: '{flag} skal angives', en: '{flag} is required' },
  invalidOption: { da: '{flag} {expected}', en: '{flag} {expected}' },
  unexpectedArgument: { da: 'uventet argument "{value}"', en: 'unexpected argument "{value}"' },

  expectServer: {
    da: 'skal være en http(s)-adresse med kun skema, vært og port, fx https://varsel.kk.dk',
    en: 'must be an http(s) address with scheme, host and port only, e.g. https://varsel.kk.dk',
  },
  expectToken: { da: 'skal være 10-200 tegn', en: 'must be 10-200 characters' },
  expectOrgUnit: { da: 'skal være 1-40 store bogstaver, tal eller bindestreger, fx KIT', en: 'must be 1-40 upper-case letters, digits or dashes, e.g. KIT' },
  expectLocation: { da: 'skal være 1-80 små bogstaver, tal eller bindestreger, fx raadhuset', en: 'must be 1-80 lower-case letters, digits or dashes, e.g. raadhuset' },
  expectHostname: { da: 'skal være 1-253 tegn', en: 'must be 1-253 characters' },
  expectLang: { da: 'skal være da eller en', en: 'must be da or en' },
  expectStateDir: { da: 'må ikke være tom', en: 'must not be empty' },

  enrolled: {
    da: 'Pc\'en er tilmeldt Varsel.\n  Enheds-id:  {deviceId}\n  Org-enhed:  {orgUnit}\n  Lokation:   {location}\n  Gemt i:     {file}\nStart agenten med: varsel-agent run',
    en: 'This PC is enrolled with Varsel.\n  Device id:  {deviceId}\n  Org unit:   {orgUnit}\n  Location:   {location}\n  Saved in:   {file}\nStart the agent with: varsel-agent run',
  },
  replacing: { da: 'Bemærk: erstatter den tidligere tilmelding ({deviceId}).', en: 'Note: replacing the previous enrollment ({deviceId}).' },
  plainHttp: {
    da: 'Advarsel: {server} bruger http uden kryptering; enhedens hemmelighed sendes i klartekst.',
    en: 'Warning: {server} uses plain http; the device secret travels unencrypted.',
  },
  enrollRejected: { da: 'Serveren afviste tilmeldingen (kode {code} {name}): {reason}', en: 'The server refused the enrollment (code {code} {name}): {reason}' },
  enrollUnreachable: {
    da: 'Kan ikke nå Varsel-serveren {server} ({cause}). Tjek adressen og netværket, og prøv igen.',
    en: 'Cannot reach the Varsel server {server} ({cause}). Check the address and the network, and try again.',
  },
  enrollBadResponse: {
    da: 'Uventet svar fra {server} (HTTP {status}). Er det den rigtige adresse?',
    en: 'Unexpected answer from {server} (HTTP {status}). Is it the right address?',
  },
  stateNotSaved: { da: 'Tilmeldingen kunne ikke gemmes i {file}: {reason}', en: 'The enrollment could not be saved in {file}: {reason}' },

  notEnrolled: {
    da: 'Denne pc er ikke tilmeldt (ingen tilstandsfil i {dir}). Tilmeld den først: varsel-agent enroll --server URL --token NØGLE',
    en: 'This PC is not enrolled (no state file in {dir}). Enroll it first: varsel-agent enroll --server URL --token TOKEN',
  },
  stateInvalid: {
    da: 'Tilstandsfilen {file} kan ikke bruges ({code}). Tilmeld pc\'en igen.',
    en: 'The state file {file} cannot be used ({code}). Enroll this PC again.',
  },
  running: {
    da: 'Varsel-agenten kører (enhed {deviceId}, server {server}). Ctrl+C stopper den.',
    en: 'The Varsel agent is running (device {deviceId}, server {server}). Ctrl+C stops it.',
  },
  stoppedByServer: { da: 'Agenten er stoppet (kode {code} {reason}): {advice}', en: 'The agent has stopped (code {code} {reason}): {advice}' },

  statusTitle: { da: 'Varsel-agent: tilmeldt', en: 'Varsel agent: enrolled' },
  statusServer: { da: 'Server', en: 'Server' },
  statusDevice: { da: 'Enheds-id', en: 'Device id' },
  statusOrgUnit: { da: 'Org-enhed', en: 'Org unit' },
  statusLocation: { da: 'Lokation', en: 'Location' },
  statusHostname: { da: 'Værtsnavn', en: 'Hostname' },
  statusEnrolledAt: { da: 'Tilmeldt', en: 'Enrolled' },
  statusSeen: { da: 'Sete varsler', en: 'Alerts seen' },
  statusCursor: { da: 'Sekvens (cursor)', en: 'Sequence (cursor)' },
  statusOpen: { da: 'Sirener uden kvittering', en: 'Sirens not acknowledged' },
  statusOutbox: { da: 'Ubekræftede rapporter', en: 'Unconfirmed reports' },
  statusFile: { da: 'Tilstandsfil', en: 'State file' },
  none: { da: '(ingen)', en: '(none)' },

  siren: { da: 'SIRENE', en: 'SIREN' },
  notice: { da: 'MEDDELELSE', en: 'NOTICE' },
  exercise: { da: 'ØVELSE', en: 'EXERCISE' },
  updated: { da: 'OPDATERET', en: 'UPDATED' },
  reminder: { da: 'PÅMINDELSE', en: 'REMINDER' },
  allClear: { da: 'AFBLÆST', en: 'ALL CLEAR' },
  cancelled: { da: 'ANNULLERET', en: 'CANCELLED' },
  allClearLine: { da: 'Faren er drevet over. Der er intet at kvittere for.', en: 'The danger is over. There is nothing to acknowledge.' },
  cancelledLine: { da: 'Varslingen er trukket tilbage. Der er intet at kvittere for.', en: 'The alert has been withdrawn. There is nothing to acknowledge.' },
  endedAllClear: { da: 'Afblæst: {title}', en: 'All clear: {title}' },
  endedCancelled: { da: 'Annulleret: {title}', en: 'Cancelled: {title}' },
  exerciseLine: { da: 'Dette er en øvelse.', en: 'This is an exercise.' },
  guide: { da: 'Vejledning', en: 'Guide' },
  sentAt: { da: 'Sendt {sent} · gælder til {expires}', en: 'Sent {sent} · valid until {expires}' },
  sentOnly: { da: 'Sendt {sent}', en: 'Sent {sent}' },
  pressEnter: { da: 'Tryk Enter for at kvittere', en: 'Press Enter to acknowledge' },
  pressEnterMany: { da: 'Tryk Enter for at kvittere ({count} sirener venter)', en: 'Press Enter to acknowledge ({count} sirens waiting)' },
  acknowledged: { da: 'Kvitteret: {title}', en: 'Acknowledged: {title}' },
  autoAcknowledged: { da: 'Kvitteret automatisk: {title}', en: 'Acknowledged automatically: {title}' },
  expired: { da: 'Udløbet: {title}', en: 'Expired: {title}' },
  inputClosed: {
    da: 'Bemærk: terminalens input er lukket, så sirener kan ikke kvitteres her. Brug --auto-ack på ubemandede pc\'er.',
    en: 'Note: the terminal input is closed, so sirens cannot be acknowledged here. Use --auto-ack on unattended PCs.',
  },
} satisfies Record<string, Text>;

export type MessageKey = keyof typeof MESSAGES;

/** A message with its `{name}` placeholders filled in. */
export function msg(language: Language, key: MessageKey, values: Record<string, string | number | undefined> = {}): string {
  return MESSAGES[key][language].replace(/\{(\w+)\}/g, (whole, name: string) => {
    const value = values[name];
    return value === undefined ? whole : String(value);
  });
}

/** What a person does when the server stops the agent: keyed by every reason, so none is missed. */
export const STOP_ADVICE: Record<DisconnectReason, Text> = {
  DEVICE_AUTH_FAILED: {
    da: 'serveren kender ikke enheden eller dens hemmelighed. Tilmeld pc\'en igen med varsel-agent enroll.',
    en: 'the server does not know this device or its secret. Enroll the PC again with varsel-agent enroll.',
  },
  DEVICE_REVOKED: {
    da: 'enheden er tilbagekaldt af KIT. Tilmeld pc\'en igen med en ny nøgle, hvis den stadig skal modtage varsler.',
    en: 'KIT has revoked this device. Enroll the PC again with a new token if it should still receive alerts.',
  },
  PROTOCOL_UNSUPPORTED: {
    da: 'serveren understøtter ikke denne version af agenten. Opdatér agenten.',
    en: 'the server does not support this version of the agent. Upgrade the agent.',
  },
  BAD_HANDSHAKE: {
    da: 'serveren afviste agentens oplysninger. Tilmeld pc\'en igen.',
    en: "the server rejected the agent's credentials. Enroll the PC again.",
  },
  UNAVAILABLE: { da: 'serveren er midlertidigt utilgængelig.', en: 'the server is temporarily unavailable.' },
  SERVER_SHUTDOWN: { da: 'serveren lukker ned.', en: 'the server is shutting down.' },
  SLOW_CONSUMER: { da: 'forbindelsen var for langsom.', en: 'the connection was too slow.' },
};

/** Server errors an enrolling person can act on; others show the server's own text. */
export const ENROLL_ERROR_TEXT: Partial<Record<ErrorName, Text>> = {
  ENROLLMENT_TOKEN_INVALID: {
    da: 'tilmeldingsnøglen er ukendt, opbrugt eller udløbet. Bed KIT om en ny.',
    en: 'the enrollment token is unknown, used up or expired. Ask KIT for a new one.',
  },
  VALIDATION_FAILED: { da: 'serveren afviste oplysningerne.', en: 'the server rejected the details.' },
  UNKNOWN_ORG_UNIT: { da: 'org-enheden findes ikke (eller nøglen har ingen; angiv --org-unit).', en: 'the org unit does not exist (or the token has none; give --org-unit).' },
  UNKNOWN_LOCATION: { da: 'lokationen findes ikke.', en: 'the location does not exist.' },
  RATE_LIMITED: { da: 'for mange forsøg; vent lidt og prøv igen.', en: 'too many attempts; wait a little and try again.' },
  UNAVAILABLE: { da: 'serveren er midlertidigt utilgængelig; prøv igen om lidt.', en: 'the server is temporarily unavailable; try again shortly.' },
  INTERNAL: { da: 'intern fejl på serveren; kontakt KIT og oplys fejl-id {errorId}.', en: 'internal server error; contact KIT and quote error id {errorId}.' },
};
