import type { ChildProcess } from 'node:child_process';
import { spawn } from 'node:child_process';
import { constants } from 'node:fs';
import { access, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import type { Logger } from '../core/index.js';

export interface SirenWavOptions {
  /** 22,050 Hz: plenty for a tone below 2 kHz, and half the size of CD rate. */
  sampleRate?: number;
  seconds?: number;
  lowHz?: number;
  highHz?: number;
  /** One rise and fall of the howl. */
  sweepSeconds?: number;
  /** 0..1 of full scale. */
  volume?: number;
}

/**
 * A siren as a 16-bit PCM mono WAV: a tone that sweeps smoothly between lowHz and highHz and
 * back, like a civil-defence howl. Generated in code so the agent ships no binary asset.
 */
export function sirenWav(options: SirenWavOptions = {}): Uint8Array {
  const { sampleRate = 22_050, seconds = 2.5, lowHz = 650, highHz = 1350, sweepSeconds = 1.25, volume = 0.8 } = options;
  const samples = Math.round(sampleRate * seconds);
  const dataBytes = samples * 2;
  const bytes = new Uint8Array(44 + dataBytes);
  const view = new DataView(bytes.buffer);
  const ascii = (offset: number, text: string): void => {
    for (let i = 0; i < text.length; i++) view.setUint8(offset + i, text.charCodeAt(i));
  };
  ascii(0, 'RIFF');
  view.setUint32(4, 36 + dataBytes, true);
  ascii(8, 'WAVE');
  ascii(12, 'fmt ');
  view.setUint32(16, 16, true); // size of the fmt chunk
  view.setUint16(20, 1, true); // PCM
  view.setUint16(22, 1, true); // mono
  view.setUint32(24, sampleRate, true);
  view.setUint32(28, sampleRate * 2, true); // byte rate
  view.setUint16(32, 2, true); // block align
  view.setUint16(34, 16, true); // bits per sample
  ascii(36, 'data');
  view.setUint32(40, dataBytes, true);

  // 20 ms fades: a tone that starts or stops at full amplitude clicks.
  const fade = Math.round(sampleRate * 0.02);
  let phase = 0;
  for (let i = 0; i < samples; i++) {
    const t = i / sampleRate;
    const sweep = 0.5 - 0.5 * Math.cos((2 * Math.PI * t) / sweepSeconds);
    phase += (2 * Math.PI * (lowHz + (highHz - lowHz) * sweep)) / sampleRate;
    const envelope = Math.min(1, i / fade, (samples - 1 - i) / fade);
    view.setInt16(44 + i * 2, Math.round(Math.sin(phase) * volume * envelope * 32_767), true);
  }
  return bytes;
}

interface PlayerSpec {
  command: string;
  args: (file: string) => string[];
  platforms?: readonly NodeJS.Platform[];
}

/** Tried in this order; the first one found on PATH that plays the file is kept. */
export const PLAYERS: readonly PlayerSpec[] = [
  { command: 'paplay', args: (f) => [f] },
  { command: 'aplay', args: (f) => ['-q', f] },
  { command: 'ffplay', args: (f) => ['-nodisp', '-autoexit', '-loglevel', 'quiet', f] },
  { command: 'afplay', args: (f) => [f], platforms: ['darwin'] },
  {
    command: 'powershell',
    args: (f) => ['-NoProfile', '-NonInteractive', '-Command', `(New-Object Media.SoundPlayer '${f.replaceAll("'", "''")}').PlaySync()`],
    platforms: ['win32'],
  },
];

export interface FoundPlayer {
  name: string;
  path: string;
  args: (file: string) => string[];
}

/** The players present on PATH, in order of preference. */
export async function findPlayers(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): Promise<FoundPlayer[]> {
  const dirs = (env.PATH ?? env.Path ?? '').split(delimiter).filter((d) => d !== '');
  const extensions = platform === 'win32' ? (env.PATHEXT ?? '.EXE;.CMD;.BAT').split(';').filter((e) => e !== '') : [''];
  const found: FoundPlayer[] = [];
  for (const spec of PLAYERS) {
    if (spec.platforms !== undefined && !spec.platforms.includes(platform)) continue;
    const path = await firstExecutable(dirs.flatMap((dir) => extensions.map((ext) => join(dir, spec.command + ext))));
    if (path !== undefined) found.push({ name: spec.command, path, args: spec.args });
  }
  return found;
}

async function firstExecutable(candidates: string[]): Promise<string | undefined> {
  for (const candidate of candidates) {
    try {
      await access(candidate, constants.X_OK);
      if ((await stat(candidate)).isFile()) return candidate;
    } catch {
      // Not there or not executable: try the next directory on PATH.
    }
  }
  return undefined;
}

/** One alert's claim on the siren sound. */
export interface SirenPlayback {
  /** Silence now (the person acknowledged, or the alert is gone). */
  stop(): void;
  /** No more repeats, but let the current round play out (auto-acknowledged sirens). */
  finish(): void;
}

export interface SirenSoundOptions {
  logger: Logger;
  /** 60 s: long enough to be noticed; after that the box and the prompt stay, and the server
   * repeats unacknowledged sirens on its own schedule. */
  repeatForMs?: number;
  env?: NodeJS.ProcessEnv;
  platform?: NodeJS.Platform;
}

interface Demand {
  until: number;
  played: boolean;
}

/**
 * Plays the siren WAV with the first working player on PATH, repeating while any unacknowledged
 * siren wants it. One sound at a time however many sirens are up. No player: a notice once, then
 * silence, and the agent carries on.
 */
export class SirenSound {
  private readonly log: Logger;
  private readonly repeatForMs: number;
  private readonly demands = new Set<Demand>();
  private file: Promise<string> | undefined;
  private dir: string | undefined;
  private players: Promise<FoundPlayer[]> | undefined;
  private playerIndex = 0;
  private child: ChildProcess | undefined;
  private looping = false;
  private warned = false;

  constructor(private readonly options: SirenSoundOptions) {
    this.log = options.logger;
    this.repeatForMs = options.repeatForMs ?? 60_000;
  }

  start(): SirenPlayback {
    const demand: Demand = { until: Date.now() + this.repeatForMs, played: false };
    this.demands.add(demand);
    if (!this.looping) {
      this.looping = true;
      this.loop()
        .catch((err: unknown) => this.log.error('siren sound failed', { err: err instanceof Error ? err.message : String(err) }))
        .finally(() => {
          this.looping = false;
        });
    }
    return {
      stop: () => {
        this.demands.delete(demand);
        if (this.demands.size === 0) this.child?.kill();
      },
      finish: () => {
        demand.until = 0;
      },
    };
  }

  /** Writes the WAV to a private temp directory once; returns its path. */
  wavFile(): Promise<string> {
    this.file ??= (async () => {
      this.dir = await mkdtemp(join(tmpdir(), 'varsel-siren-'));
      const file = join(this.dir, 'siren.wav');
      await writeFile(file, sirenWav(), { mode: 0o600 });
      return file;
    })();
    return this.file;
  }

  /** Stops any sound and removes the temp file. */
  async dispose(): Promise<void> {
    this.demands.clear();
    this.child?.kill();
    if (this.file !== undefined) await this.file.catch(() => undefined);
    if (this.dir !== undefined) await rm(this.dir, { recursive: true, force: true });
  }

  private async loop(): Promise<void> {
    for (;;) {
      const now = Date.now();
      for (const d of this.demands) if (d.played && d.until <= now) this.demands.delete(d);
      if (this.demands.size === 0) return;
      const round = [...this.demands];
      if (!(await this.playOnce())) {
        this.demands.clear();
        return;
      }
      for (const d of round) d.played = true;
    }
  }

  /** Plays the file once. False when no player works: the sound is given up for good. */
  private async playOnce(): Promise<boolean> {
    const file = await this.wavFile();
    this.players ??= findPlayers(this.options.env, this.options.platform);
    const players = await this.players;
    while (this.playerIndex < players.length) {
      const player = players[this.playerIndex];
      if (player === undefined) break;
      const result = await this.run(player, file);
      if (result === 'ok' || this.demands.size === 0) return true;
      // e.g. paplay without a PulseAudio server: try the next player.
      this.log.debug('sound player failed; trying the next', { player: player.name, result });
      this.playerIndex += 1;
    }
    if (!this.warned) {
      this.warned = true;
      this.log.warn('no working sound player (tried paplay, aplay, ffplay, afplay, powershell); sirens stay silent');
    }
    return false;
  }

  private run(player: FoundPlayer, file: string): Promise<string> {
    return new Promise((resolve) => {
      const child = spawn(player.path, player.args(file), { stdio: 'ignore', windowsHide: true });
      this.child = child;
      child.once('error', (err) => resolve(`error ${err.message}`));
      child.once('exit', (code, signal) => {
        if (this.child === child) this.child = undefined;
        resolve(code === 0 ? 'ok' : `exit ${code ?? signal ?? '?'}`);
      });
    });
  }
}
