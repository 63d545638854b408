import { parseArgs } from 'node:util';
import { z } from 'zod';
import { EnrollRequestSchema, LocationIdSchema, OrgUnitIdSchema } from '@varsel/shared';
import type { Language } from '../core/index.js';
import { LANGUAGES } from '../core/index.js';
import type { MessageKey } from './messages.js';

export const EXIT = {
  OK: 0,
  FAILURE: 1,
  /** The server's reason carries the policy `stop`: a person must re-enroll or upgrade. */
  STOPPED_BY_SERVER: 2,
  /** sysexits EX_USAGE */
  USAGE: 64,
  /** sysexits EX_CONFIG: no (usable) enrollment */
  NOT_ENROLLED: 78,
} as const;

interface Common {
  lang: Language;
  verbose: boolean;
  stateDir: string | undefined;
}
export type CliCommand =
  | ({ command: 'help' } & Common)
  | ({ command: 'status' } & Common)
  | ({ command: 'run'; autoAck: boolean; sound: boolean } & Common)
  | ({
      command: 'enroll';
      server: string;
      token: string;
      orgUnit: string | undefined;
      location: string | undefined;
      hostname: string | undefined;
    } & Common);

export type UsageProblem =
  | { kind: 'missing-command' }
  | { kind: 'unknown-command'; value: string }
  | { kind: 'unexpected-argument'; value: string }
  | { kind: 'unknown-option'; flag: string }
  | { kind: 'option-not-for-command'; flag: string; command: string }
  | { kind: 'missing-value'; flag: string }
  | { kind: 'missing-option'; flag: string }
  | { kind: 'invalid-option'; flag: string };

/** Bad command line. `problems` say what, per flag; the CLI prints them in the chosen language. */
export class UsageError extends Error {
  readonly code = 'USAGE';
  constructor(
    readonly problems: UsageProblem[],
    readonly lang: Language,
  ) {
    super(problems.map((p) => p.kind + ('flag' in p ? ` ${p.flag}` : '')).join(', '));
    this.name = 'UsageError';
  }
}

/** Scheme, host and port only (a path would become a socket.io namespace); normalised to the origin. */
export const ServerUrlSchema = z
  .url({ protocol: /^https?$/ })
  .refine((value) => {
    const url = new URL(value);
    return url.pathname === '/' && url.search === '' && url.hash === '' && url.username === '' && url.password === '';
  })
  .transform((value) => new URL(value).origin);

const OPTIONS = {
  server: { type: 'string' },
  token: { type: 'string' },
  'org-unit': { type: 'string' },
  location: { type: 'string' },
  hostname: { type: 'string' },
  'auto-ack': { type: 'boolean' },
  'no-sound': { type: 'boolean' },
  'state-dir': { type: 'string' },
  lang: { type: 'string' },
  verbose: { type: 'boolean', short: 'v' },
  help: { type: 'boolean', short: 'h' },
} as const;
type Flag = keyof typeof OPTIONS;

const COMMON_FLAGS: readonly Flag[] = ['state-dir', 'lang', 'verbose', 'help'];
const COMMAND_FLAGS = {
  enroll: ['server', 'token', 'org-unit', 'location', 'hostname'],
  run: ['auto-ack', 'no-sound'],
  status: [],
  help: [],
} as const satisfies Record<CliCommand['command'], readonly Flag[]>;

/** What each validated flag must look like, as a message key for the error. */
export const FLAG_EXPECTATION: Partial<Record<Flag, MessageKey>> = {
  server: 'expectServer',
  token: 'expectToken',
  'org-unit': 'expectOrgUnit',
  location: 'expectLocation',
  hostname: 'expectHostname',
  lang: 'expectLang',
  'state-dir': 'expectStateDir',
};

const EnrollFlagsSchema = z.object({
  server: ServerUrlSchema,
  token: EnrollRequestSchema.shape.token,
  'org-unit': OrgUnitIdSchema.optional(),
  location: LocationIdSchema.optional(),
  hostname: EnrollRequestSchema.shape.hostname.optional(),
});
const CommonFlagsSchema = z.object({
  'state-dir': z.string().trim().min(1).optional(),
  lang: z.enum(LANGUAGES).default('da'),
});

/**
 * The language to complain in, read before anything else can fail. An invalid value falls back
 * to Danish and is reported by parseCli.
 */
export function languageOf(argv: readonly string[]): Language {
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = arg === '--lang' ? argv[i + 1] : arg?.startsWith('--lang=') === true ? arg.slice('--lang='.length) : undefined;
    if (value === 'en' || value === 'da') return value;
  }
  return 'da';
}

/** Parses and validates argv (without node and the script). Throws UsageError. */
export function parseCli(argv: readonly string[]): CliCommand {
  const lang = languageOf(argv);
  const { values, positionals } = parseRaw(argv, lang);
  const [first, ...rest] = positionals;
  const command = first ?? (values.help === true ? 'help' : undefined);
  if (command === undefined) throw new UsageError([{ kind: 'missing-command' }], lang);
  if (!isCommand(command)) throw new UsageError([{ kind: 'unknown-command', value: command }], lang);

  const problems: UsageProblem[] = rest.map((value) => ({ kind: 'unexpected-argument', value }));
  const allowed: readonly Flag[] = [...COMMON_FLAGS, ...COMMAND_FLAGS[command]];
  for (const flag of Object.keys(values) as Flag[]) {
    if (!allowed.includes(flag)) problems.push({ kind: 'option-not-for-command', flag: `--${flag}`, command });
  }
  const common = CommonFlagsSchema.safeParse(values);
  if (!common.success) problems.push(...problemsOfIssues(common.error.issues));
  const help = values.help === true || command === 'help';
  const enrollFlags = command === 'enroll' && !help ? EnrollFlagsSchema.safeParse(values) : undefined;
  if (enrollFlags?.success === false) problems.push(...problemsOfIssues(enrollFlags.error.issues));
  if (problems.length > 0 || !common.success) throw new UsageError(problems, lang);

  const base: Common = { lang: common.data.lang, verbose: values.verbose === true, stateDir: common.data['state-dir'] };
  if (help) return { command: 'help', ...base };
  switch (command) {
    case 'status':
      return { command, ...base };
    case 'run':
      return { command, ...base, autoAck: values['auto-ack'] === true, sound: values['no-sound'] !== true };
    case 'enroll': {
      const flags = enrollFlags ?? EnrollFlagsSchema.safeParse(values);
      if (!flags.success) throw new UsageError(problemsOfIssues(flags.error.issues), lang);
      return {
        command,
        ...base,
        server: flags.data.server,
        token: flags.data.token,
        orgUnit: flags.data['org-unit'],
        location: flags.data.location,
        hostname: flags.data.hostname,
      };
    }
  }
}

function parseRaw(argv: readonly string[], lang: Language) {
  try {
    return parseArgs({ args: [...argv], options: OPTIONS, allowPositionals: true, strict: true });
  } catch (err) {
    throw new UsageError([problemOfParseError(err)], lang);
  }
}

function isCommand(value: string): value is CliCommand['command'] {
  return Object.hasOwn(COMMAND_FLAGS, value);
}

function problemsOfIssues(issues: readonly z.core.$ZodIssue[]): UsageProblem[] {
  const seen = new Set<string>();
  const problems: UsageProblem[] = [];
  for (const issue of issues) {
    const flag = `--${String(issue.path[0])}`;
    if (seen.has(flag)) continue;
    seen.add(flag);
    const missing = issue.code === 'invalid_type' && issue.input === undefined;
    problems.push({ kind: missing ? 'missing-option' : 'invalid-option', flag });
  }
  return problems;
}

/** node:util parseArgs throws TypeErrors with a code and the option in the message. */
function problemOfParseError(err: unknown): UsageProblem {
  const code = err instanceof Error && 'code' in err ? err.code : undefined;
  const message = err instanceof Error ? err.message : String(err);
  const flag = /'(-[^' ]+)/.exec(message)?.[1] ?? '?';
  switch (code) {
    case 'ERR_PARSE_ARGS_UNKNOWN_OPTION':
      return { kind: 'unknown-option', flag };
    case 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE':
      // "Option '--server <value>' argument missing" or "Option '--auto-ack' does not take an argument"
      return message.includes('does not take an argument') ? { kind: 'invalid-option', flag } : { kind: 'missing-value', flag };
    default:
      return { kind: 'unexpected-argument', value: message };
  }
}
