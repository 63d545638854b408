#!/usr/bin/env node
import { hostname as osHostname } from 'node:os';
import type { EnrollRequest, ErrorName } from '@varsel/shared';
import { EnrollRequestSchema, errorNameOf, isDisconnectReason } from '@varsel/shared';
import type { AgentState, Language, Logger } from '../core/index.js';
import { AgentCore } from '../core/index.js';
import { agentVersion } from './agent-version.js';
import type { CliCommand } from './cli-args.js';
import { EXIT, FLAG_EXPECTATION, UsageError, parseCli } from './cli-args.js';
import { EnrollError, enroll, platformOf, stateFromEnrollment } from './enroll.js';
import { FileStateStore, StateFileError, defaultStateDir } from './file-state-store.js';
import { ENROLL_ERROR_TEXT, STOP_ADVICE, msg } from './messages.js';
import { SirenSound } from './siren-sound.js';
import { createStderrLogger } from './stderr-logger.js';
import { TerminalUi } from './terminal-ui.js';

type Command<C extends CliCommand['command']> = Extract<CliCommand, { command: C }>;

const out = (text: string): void => {
  process.stdout.write(`${text}\n`);
};
const err = (text: string): void => {
  process.stderr.write(`${text}\n`);
};

/** Runs one command and returns the exit code. */
async function main(argv: readonly string[]): Promise<number> {
  let command: CliCommand;
  try {
    command = parseCli(argv);
  } catch (e) {
    if (e instanceof UsageError) {
      printUsageError(e);
      return EXIT.USAGE;
    }
    throw e;
  }
  switch (command.command) {
    case 'help':
      out(msg(command.lang, 'usage', { version: agentVersion() ?? '', stateDir: defaultStateDir() }));
      return EXIT.OK;
    case 'status':
      return status(command);
    case 'enroll':
      return enrollCommand(command);
    case 'run':
      return run(command);
  }
}

function printUsageError(e: UsageError): void {
  const lang = e.lang;
  err(msg(lang, 'usageError'));
  for (const p of e.problems) {
    switch (p.kind) {
      case 'missing-command':
        err(`  ${msg(lang, 'missingCommand')}`);
        break;
      case 'unknown-command':
        err(`  ${msg(lang, 'unknownCommand', { value: p.value })}`);
        break;
      case 'unexpected-argument':
        err(`  ${msg(lang, 'unexpectedArgument', { value: p.value })}`);
        break;
      case 'unknown-option':
        err(`  ${msg(lang, 'unknownOption', { flag: p.flag })}`);
        break;
      case 'option-not-for-command':
        err(`  ${msg(lang, 'optionNotForCommand', { flag: p.flag, command: p.command })}`);
        break;
      case 'missing-value':
        err(`  ${msg(lang, 'missingValue', { flag: p.flag })}`);
        break;
      case 'missing-option':
        err(`  ${msg(lang, 'missingOption', { flag: p.flag })}`);
        break;
      case 'invalid-option': {
        const key = FLAG_EXPECTATION[p.flag.replace(/^--/, '') as keyof typeof FLAG_EXPECTATION];
        err(`  ${msg(lang, 'invalidOption', { flag: p.flag, expected: key === undefined ? '' : msg(lang, key) })}`);
        break;
      }
    }
  }
  err(msg(lang, 'seeHelp'));
}

/** Loads the state, or prints why it cannot and returns the exit code. */
async function loadState(store: FileStateStore, lang: Language): Promise<AgentState | number> {
  try {
    const state = await store.load();
    if (state !== undefined) return state;
    err(msg(lang, 'notEnrolled', { dir: store.dir }));
    return EXIT.NOT_ENROLLED;
  } catch (e) {
    if (!(e instanceof StateFileError)) throw e;
    err(msg(lang, 'stateInvalid', { file: e.file, code: e.code }));
    return EXIT.NOT_ENROLLED;
  }
}

async function status(command: Command<'status'>): Promise<number> {
  const { lang } = command;
  const store = new FileStateStore(command.stateDir ?? defaultStateDir());
  const state = await loadState(store, lang);
  if (typeof state === 'number') return state;
  const rows: [string, string][] = [
    [msg(lang, 'statusServer'), state.serverUrl],
    [msg(lang, 'statusDevice'), state.deviceId],
    [msg(lang, 'statusOrgUnit'), state.orgUnit],
    [msg(lang, 'statusLocation'), state.location ?? msg(lang, 'none')],
    [msg(lang, 'statusHostname'), state.hostname ?? msg(lang, 'none')],
    [msg(lang, 'statusEnrolledAt'), state.enrolledAt],
    [msg(lang, 'statusSeen'), String(state.seenAlertIds.length)],
    [msg(lang, 'statusCursor'), String(state.cursor)],
    [msg(lang, 'statusOpen'), String(state.openSirens.length)],
    [msg(lang, 'statusOutbox'), String(state.outbox.length)],
    [msg(lang, 'statusFile'), store.file],
  ];
  const width = Math.max(...rows.map(([label]) => label.length)) + 1;
  out(msg(lang, 'statusTitle'));
  for (const [label, value] of rows) out(`  ${`${label}:`.padEnd(width + 1)} ${value}`);
  return EXIT.OK;
}

async function enrollCommand(command: Command<'enroll'>): Promise<number> {
  const { lang, server } = command;
  const version = agentVersion();
  const hostname = command.hostname ?? osHostname();
  const request: EnrollRequest = EnrollRequestSchema.parse({
    token: command.token,
    platform: platformOf(process.platform),
    hostname,
    ...(command.orgUnit === undefined ? {} : { orgUnit: command.orgUnit }),
    ...(command.location === undefined ? {} : { location: command.location }),
    ...(version === undefined ? {} : { agentVersion: version }),
  });
  const url = new URL(server);
  if (url.protocol === 'http:' && !['localhost', '127.0.0.1', '[::1]'].includes(url.hostname)) err(msg(lang, 'plainHttp', { server }));

  let response;
  try {
    response = await enroll(server, request);
  } catch (e) {
    if (!(e instanceof EnrollError)) throw e;
    printEnrollError(e, lang, server);
    return EXIT.FAILURE;
  }

  const store = new FileStateStore(command.stateDir ?? defaultStateDir());
  const previous = await store.load().catch(() => undefined);
  if (previous !== undefined && previous.deviceId !== response.deviceId) err(msg(lang, 'replacing', { deviceId: previous.deviceId }));
  try {
    await store.save(stateFromEnrollment(server, response, hostname));
  } catch (e) {
    err(msg(lang, 'stateNotSaved', { file: store.file, reason: e instanceof Error ? e.message : String(e) }));
    return EXIT.FAILURE;
  }
  out(msg(lang, 'enrolled', { deviceId: response.deviceId, orgUnit: response.orgUnit, location: response.location ?? msg(lang, 'none'), file: store.file }));
  return EXIT.OK;
}

function printEnrollError(e: EnrollError, lang: Language, server: string): void {
  switch (e.code) {
    case 'SERVER_UNREACHABLE':
      err(msg(lang, 'enrollUnreachable', { server, cause: e.detail.cause }));
      return;
    case 'BAD_RESPONSE':
      err(msg(lang, 'enrollBadResponse', { server, status: e.detail.status }));
      return;
    case 'ENROLL_REJECTED': {
      const code = e.detail.serverCode;
      const name: ErrorName | undefined = code === undefined ? undefined : errorNameOf(code);
      const known = name === undefined ? undefined : ENROLL_ERROR_TEXT[name];
      const reason = known === undefined ? (e.detail.serverMessage ?? '') : known[lang].replace('{errorId}', e.detail.errorId ?? '?');
      err(msg(lang, 'enrollRejected', { code, name: name ?? e.detail.serverName ?? '', reason }));
      return;
    }
  }
}

async function run(command: Command<'run'>): Promise<number> {
  const { lang } = command;
  const log: Logger = createStderrLogger({ level: command.verbose ? 'debug' : 'info' });
  const store = new FileStateStore(command.stateDir ?? defaultStateDir());
  const state = await loadState(store, lang);
  if (typeof state === 'number') return state;

  const sound = command.sound ? new SirenSound({ logger: log }) : undefined;
  const ui = new TerminalUi({ lang, output: process.stdout, input: process.stdin, sound });
  const version = agentVersion();
  const core = new AgentCore({
    state,
    store,
    presenter: ui,
    logger: log,
    autoAck: command.autoAck,
    ...(version === undefined ? {} : { agentVersion: version }),
  });

  const onSignal = (signal: NodeJS.Signals): void => {
    log.info('signal received; stopping', { signal });
    core.stop().catch((e: unknown) => log.error('stop failed', { err: e instanceof Error ? e.message : String(e) }));
  };
  // once: a second Ctrl+C ends the process the default way if stopping hangs.
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);

  err(msg(lang, 'running', { deviceId: state.deviceId, server: state.serverUrl }));
  core.start();
  const stopped = await core.stopped;
  process.off('SIGINT', onSignal);
  process.off('SIGTERM', onSignal);
  ui.close();
  await sound?.dispose();
  if (stopped.by === 'local') return EXIT.OK;
  const advice = isDisconnectReason(stopped.reason) ? STOP_ADVICE[stopped.reason][lang] : '';
  err(msg(lang, 'stoppedByServer', { code: stopped.code ?? '?', reason: stopped.reason ?? '?', advice }));
  return EXIT.STOPPED_BY_SERVER;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
    // Everything of ours is closed by now, so the process ends by itself: with stdin a tty, a pipe
    // or a file. A named FIFO as stdin leaves a read pending in libuv's threadpool that nothing
    // can cancel; this unref'd timer fires only in such a case, and then ends the process.
    setTimeout(() => process.exit(code), 2000).unref();
  },
  (e: unknown) => {
    err(`varsel-agent: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
    process.exitCode = EXIT.FAILURE;
  },
);
