import type { Interface } from 'node:readline';
import { createInterface } from 'node:readline';
import type { AgentAlert } from '@varsel/shared';
import type { AlertPresenter, DismissReason, Language } from '../core/index.js';
import { closingOf, textOf, threadIdOf } from '../core/index.js';
import type { MessageKey } from './messages.js';
import { msg } from './messages.js';
import type { SirenPlayback, SirenSound } from './siren-sound.js';

/** The parts of a tty stream the UI uses; a test passes a plain buffer. */
export interface TerminalOutput {
  write(chunk: string): unknown;
  columns?: number | undefined;
  isTTY?: boolean | undefined;
}

export interface TerminalUiOptions {
  lang: Language;
  output: TerminalOutput;
  input: NodeJS.ReadableStream;
  /** Undefined: no sound (--no-sound). */
  sound?: Pick<SirenSound, 'start'> | undefined;
  /** ANSI colours; default: when output is a TTY and NO_COLOR is unset. */
  color?: boolean;
}

export interface RenderOptions {
  lang: Language;
  /** Total width of the box, borders included. */
  width: number;
  color: boolean;
  /** A repeat of an unacknowledged siren (PÅMINDELSE). */
  reminder?: boolean;
}

const ANSI = {
  reset: '\x1b[0m',
  bold: '\x1b[1m',
  red: '\x1b[41;97;1m',
  yellow: '\x1b[43;30;1m',
  blue: '\x1b[44;97;1m',
  green: '\x1b[42;30;1m',
  white: '\x1b[47;30;1m',
};
const HEAVY = { tl: '┏', tr: '┓', bl: '┗', br: '┛', h: '━', v: '┃' };
const LIGHT = { tl: '┌', tr: '┐', bl: '└', br: '┘', h: '─', v: '│' };

/** Copenhagen time, however the PC's clock zone is set: the alert is about Copenhagen. */
function formatTime(iso: string, lang: Language): string {
  return new Intl.DateTimeFormat(lang === 'da' ? 'da-DK' : 'en-GB', {
    timeZone: 'Europe/Copenhagen',
    dateStyle: 'short',
    timeStyle: 'short',
  }).format(new Date(iso));
}

/**
 * Alert text comes from the server: strip control characters, so that no escape sequence in a
 * title can repaint or hide the terminal (newlines in the body are kept as paragraphs).
 */
export function sanitize(text: string): string {
  return text.replace(/\r\n?/g, '\n').replace(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/g, ' ');
}

/** Greedy word wrap; a word longer than the width (a URL) is cut. */
export function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  for (const paragraph of text.split('\n')) {
    let line = '';
    for (const word of paragraph.split(/\s+/).filter((w) => w !== '')) {
      let rest = word;
      while (rest.length > width) {
        if (line !== '') lines.push(line);
        lines.push(rest.slice(0, width));
        rest = rest.slice(width);
        line = '';
      }
      if (line === '') line = rest;
      else if (line.length + 1 + rest.length <= width) line += ` ${rest}`;
      else {
        lines.push(line);
        line = rest;
      }
    }
    lines.push(line);
  }
  return lines;
}

/**
 * The alert as a box: heavy for a siren, light for a notice and for the end of a thread.
 * The header names what it is: SIRENE or MEDDELELSE (with OPDATERET for an update and PÅMINDELSE
 * for a repeat), AFBLÆST for an all-clear, ANNULLERET for a cancellation; and ØVELSE for a drill.
 */
export function renderAlert(alert: AgentAlert, options: RenderOptions): string {
  const { lang, color } = options;
  const width = Math.max(30, options.width);
  const inner = width - 4;
  const closing = closingOf(alert);
  const border = alert.kind === 'siren' && closing === undefined ? HEAVY : LIGHT;
  const text = textOf(alert, lang);
  const exercise = alert.status === 'exercise';

  const kindMarkers: MessageKey[] =
    closing !== undefined
      ? [closing === 'cancelled' ? 'cancelled' : 'allClear']
      : [alert.kind === 'siren' ? 'siren' : 'notice', ...(alert.msgType === 'update' ? (['updated'] as const) : []), ...(options.reminder === true ? (['reminder'] as const) : [])];
  const markers = [...kindMarkers, ...(exercise ? (['exercise'] as const) : [])].map((key) => msg(lang, key));
  const header = `${markers.join('  ·  ')}`;
  const body: string[] = [
    ...wrap(sanitize(text.title).toUpperCase(), inner),
    '',
    ...wrap(sanitize(text.body), inner),
    '',
    ...(closing !== undefined ? [...wrap(msg(lang, closing === 'cancelled' ? 'cancelledLine' : 'allClearLine'), inner), ''] : []),
    ...(alert.link !== undefined && /^https?:\/\//.test(alert.link) ? wrap(`${msg(lang, 'guide')}: ${sanitize(alert.link)}`, inner) : []),
    ...wrap(
      closing !== undefined
        ? msg(lang, 'sentOnly', { sent: formatTime(alert.createdAt, lang) })
        : msg(lang, 'sentAt', { sent: formatTime(alert.createdAt, lang), expires: formatTime(alert.expiresAt, lang) }),
      inner,
    ),
    ...(exercise ? wrap(msg(lang, 'exerciseLine'), inner) : []),
  ];

  const paint = (line: string, style: string): string => (color ? `${style}${line}${ANSI.reset}` : line);
  const headerStyle =
    closing === 'allclear' ? ANSI.green : closing === 'cancelled' ? ANSI.white : exercise ? ANSI.yellow : alert.kind === 'siren' ? ANSI.red : ANSI.blue;
  const row = (content: string): string => `${border.v} ${content.padEnd(inner)} ${border.v}`;
  return [
    `${border.tl}${border.h.repeat(width - 2)}${border.tr}`,
    `${border.v}${paint(` ${header.padEnd(inner)} `, headerStyle)}${border.v}`,
    row(''),
    ...body.map(row),
    `${border.bl}${border.h.repeat(width - 2)}${border.br}`,
  ].join('\n');
}

interface Waiting {
  /** The thread's id (the original's): updates and repeats find the entry by it. */
  threadId: string;
  /** The newest text, for the acknowledgement line. */
  alert: AgentAlert;
  resolve: () => void;
}

/**
 * The PC agent's screen: alerts boxed on stdout, a bell and the siren sound for sirens, and Enter
 * to acknowledge, oldest siren first. Notices need no acknowledgement. Everything is keyed by the
 * thread, so an update replaces the text a waiting siren is acknowledged under, and a
 * cancellation or all-clear silences it.
 */
export class TerminalUi implements AlertPresenter {
  private readonly lang: Language;
  private readonly out: TerminalOutput;
  private readonly color: boolean;
  private readonly waiting: Waiting[] = [];
  /** Siren sounds by thread id. */
  private readonly playbacks = new Map<string, SirenPlayback>();
  /** Threads whose siren was acknowledged by Enter, until the core confirms with dismiss(). */
  private readonly acknowledgedByPerson = new Set<string>();
  private readline: Interface | undefined;
  private inputClosed = false;

  constructor(private readonly options: TerminalUiOptions) {
    this.lang = options.lang;
    this.out = options.output;
    this.color = options.color ?? (options.output.isTTY === true && process.env.NO_COLOR === undefined);
  }

  display(alert: AgentAlert): Promise<void> {
    this.box(alert, { bell: alert.kind === 'siren' });
    if (alert.kind === 'siren') this.sound(threadIdOf(alert));
    return Promise.resolve();
  }

  awaitAcknowledgement(alert: AgentAlert, signal: AbortSignal): Promise<void> {
    return new Promise((resolve, reject) => {
      const aborted = (): Error => new Error(`no longer awaiting acknowledgement: ${String(signal.reason)}`);
      if (signal.aborted) {
        reject(aborted());
        return;
      }
      const entry: Waiting = { threadId: threadIdOf(alert), alert, resolve };
      this.waiting.push(entry);
      signal.addEventListener(
        'abort',
        () => {
          this.remove(entry);
          reject(aborted());
        },
        { once: true },
      );
      this.listen();
      this.prompt();
    });
  }

  /** OPDATERET: the new text; a waiting siren keeps sounding and is acknowledged under it. */
  update(alert: AgentAlert): Promise<void> {
    this.box(alert, { bell: false });
    const entry = this.waitingFor(threadIdOf(alert));
    if (entry !== undefined) {
      entry.alert = alert;
      this.prompt();
    }
    return Promise.resolve();
  }

  /** AFBLÆST or ANNULLERET, quietly: the siren was silenced by dismiss() just before. */
  displayClosing(alert: AgentAlert): Promise<void> {
    this.box(alert, { bell: false });
    return Promise.resolve();
  }

  /** PÅMINDELSE: the box again, the bell, and the sound from the start. */
  repeat(alert: AgentAlert): void {
    const threadId = threadIdOf(alert);
    const entry = this.waitingFor(threadId);
    if (entry === undefined) return;
    entry.alert = alert;
    this.box(alert, { bell: true, reminder: true });
    this.sound(threadId);
    this.prompt();
  }

  dismiss(alert: AgentAlert, reason: DismissReason): void {
    const threadId = threadIdOf(alert);
    const playback = this.playbacks.get(threadId);
    this.playbacks.delete(threadId);
    const title = sanitize(textOf(alert, this.lang).title);
    switch (reason) {
      case 'acknowledged':
        // By Enter: already silenced and confirmed. Automatically: let the current round play out.
        if (this.acknowledgedByPerson.delete(threadId)) return;
        playback?.finish();
        this.out.write(`${msg(this.lang, 'autoAcknowledged', { title })}\n`);
        return;
      case 'expired':
        playback?.stop();
        this.out.write(`${msg(this.lang, 'expired', { title })}\n`);
        return;
      case 'cancelled':
        playback?.stop();
        this.out.write(`${msg(this.lang, 'endedCancelled', { title })}\n`);
        return;
      case 'allclear':
        playback?.stop();
        this.out.write(`${msg(this.lang, 'endedAllClear', { title })}\n`);
        return;
      case 'stopped':
        playback?.stop();
        return;
    }
  }

  /** Releases stdin so the process can exit. */
  close(): void {
    for (const playback of this.playbacks.values()) playback.stop();
    this.playbacks.clear();
    this.readline?.close();
    this.readline = undefined;
  }

  private listen(): void {
    if (this.readline !== undefined || this.inputClosed) return;
    const rl = createInterface({ input: this.options.input, terminal: false });
    rl.on('line', () => this.acknowledgeOldest());
    rl.on('close', () => {
      if (this.readline !== rl) return;
      this.readline = undefined;
      this.inputClosed = true;
      if (this.waiting.length > 0) this.out.write(`${msg(this.lang, 'inputClosed')}\n`);
    });
    this.readline = rl;
  }

  private box(alert: AgentAlert, how: { bell: boolean; reminder?: boolean }): void {
    const width = Math.min(Math.max(this.out.columns ?? 80, 40), 100);
    const bell = how.bell && this.out.isTTY === true ? '\x07' : '';
    this.out.write(`\n${bell}${renderAlert(alert, { lang: this.lang, width, color: this.color, reminder: how.reminder === true })}\n`);
  }

  /** Starts the siren sound of a thread (from the start, if it was already playing). */
  private sound(threadId: string): void {
    if (this.options.sound === undefined) return;
    this.playbacks.get(threadId)?.stop();
    this.playbacks.set(threadId, this.options.sound.start());
  }

  private waitingFor(threadId: string): Waiting | undefined {
    return this.waiting.find((entry) => entry.threadId === threadId);
  }

  private acknowledgeOldest(): void {
    const entry = this.waiting.shift();
    if (entry === undefined) return;
    this.playbacks.get(entry.threadId)?.stop();
    this.playbacks.delete(entry.threadId);
    this.acknowledgedByPerson.add(entry.threadId);
    this.out.write(`${msg(this.lang, 'acknowledged', { title: sanitize(textOf(entry.alert, this.lang).title) })}\n`);
    entry.resolve();
    if (this.waiting.length > 0) this.prompt();
    else this.stopListening();
  }

  private remove(entry: Waiting): void {
    const index = this.waiting.indexOf(entry);
    if (index >= 0) this.waiting.splice(index, 1);
    if (this.waiting.length === 0) this.stopListening();
  }

  /** Holds stdin only while a siren waits, so Enter presses at other times go nowhere. */
  private stopListening(): void {
    const rl = this.readline;
    this.readline = undefined;
    rl?.close();
  }

  private prompt(): void {
    if (this.inputClosed) {
      this.out.write(`${msg(this.lang, 'inputClosed')}\n`);
      return;
    }
    const count = this.waiting.length;
    const text = count > 1 ? msg(this.lang, 'pressEnterMany', { count }) : msg(this.lang, 'pressEnter');
    this.out.write(`${this.color ? `${ANSI.bold}>>> ${text} <<<${ANSI.reset}` : `>>> ${text} <<<`}\n`);
  }
}
