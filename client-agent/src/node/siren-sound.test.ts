import { chmod, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Logger } from '../core/index.js';
import { SirenSound, findPlayers, sirenWav } from './siren-sound.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});
async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'varsel-sound-test-'));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  return dir;
}
async function fakePlayer(dir: string, name: string, script: string): Promise<void> {
  await writeFile(join(dir, name), `#!/bin/sh\n${script}\n`);
  await chmod(join(dir, name), 0o755);
}
function recordingLogger(): Logger & { warnings: string[] } {
  const warnings: string[] = [];
  const ignore = (): void => undefined;
  return { warnings, debug: ignore, info: ignore, error: ignore, warn: (message) => warnings.push(message) };
}

const ascii = (bytes: Uint8Array, from: number, length: number): string => String.fromCharCode(...bytes.subarray(from, from + length));

/** Zero crossings per second over a window: twice the frequency of a pure tone. */
function crossingsPerSecond(samples: Int16Array, sampleRate: number, fromSeconds: number, seconds: number): number {
  const from = Math.round(fromSeconds * sampleRate);
  const to = from + Math.round(seconds * sampleRate);
  let crossings = 0;
  for (let i = from + 1; i < to; i++) if ((samples[i - 1]! < 0) !== (samples[i]! < 0)) crossings++;
  return crossings / seconds;
}

describe('sirenWav', () => {
  it('writes a valid 16-bit PCM mono RIFF/WAVE header', () => {
    const wav = sirenWav({ sampleRate: 22_050, seconds: 2 });
    const view = new DataView(wav.buffer, wav.byteOffset, wav.byteLength);
    expect(ascii(wav, 0, 4)).toBe('RIFF');
    expect(view.getUint32(4, true)).toBe(wav.byteLength - 8);
    expect(ascii(wav, 8, 4)).toBe('WAVE');
    expect(ascii(wav, 12, 4)).toBe('fmt ');
    expect(view.getUint32(16, true)).toBe(16);
    expect(view.getUint16(20, true)).toBe(1);
    expect(view.getUint16(22, true)).toBe(1);
    expect(view.getUint32(24, true)).toBe(22_050);
    expect(view.getUint32(28, true)).toBe(44_100);
    expect(view.getUint16(32, true)).toBe(2);
    expect(view.getUint16(34, true)).toBe(16);
    expect(ascii(wav, 36, 4)).toBe('data');
    expect(view.getUint32(40, true)).toBe(2 * 22_050 * 2);
    expect(wav.byteLength).toBe(44 + 2 * 22_050 * 2);
  });

  it('lasts a couple of seconds by default', () => {
    const wav = sirenWav();
    const view = new DataView(wav.buffer, wav.byteOffset, wav.byteLength);
    const seconds = view.getUint32(40, true) / view.getUint32(28, true);
    expect(seconds).toBeGreaterThanOrEqual(2);
    expect(seconds).toBeLessThanOrEqual(4);
  });

  it('is loud and sweeps up and down in pitch', () => {
    const sampleRate = 22_050;
    const wav = sirenWav({ sampleRate, seconds: 2.5, lowHz: 650, highHz: 1350, sweepSeconds: 1.25 });
    const samples = new Int16Array(wav.slice(44).buffer);
    const peak = samples.reduce((max, s) => Math.max(max, Math.abs(s)), 0);
    expect(peak).toBeGreaterThan(20_000);
    // The sweep is lowest at 0 s and highest at half a period (0.625 s).
    const low = crossingsPerSecond(samples, sampleRate, 0.05, 0.05) / 2;
    const high = crossingsPerSecond(samples, sampleRate, 0.6, 0.05) / 2;
    expect(low).toBeLessThan(800);
    expect(high).toBeGreaterThan(1200);
  });

  it('fades in and out instead of clicking', () => {
    const samples = new Int16Array(sirenWav().slice(44).buffer);
    expect(samples[0]).toBe(0);
    expect(samples.at(-1)).toBe(0);
  });
});

describe.skipIf(process.platform === 'win32')('SirenSound', () => {
  it('finds players on PATH in order of preference and ignores those of other systems', async () => {
    const dir = await tempDir();
    for (const name of ['aplay', 'afplay', 'paplay']) await fakePlayer(dir, name, 'exit 0');
    const players = await findPlayers({ PATH: dir }, 'linux');
    expect(players.map((p) => p.name)).toEqual(['paplay', 'aplay']);
    expect(players[0]!.path).toBe(join(dir, 'paplay'));
  });

  it('finds no player on an empty PATH', async () => {
    await expect(findPlayers({ PATH: '' }, 'linux')).resolves.toEqual([]);
  });

  it('plays the siren WAV with the next player when the first one fails', async () => {
    const dir = await tempDir();
    const record = join(dir, 'played.txt');
    await fakePlayer(dir, 'paplay', 'exit 1');
    await fakePlayer(dir, 'aplay', `echo "$@" >> '${record}'`);
    const sound = new SirenSound({ logger: recordingLogger(), env: { PATH: dir }, platform: 'linux', repeatForMs: 0 });
    cleanups.push(() => sound.dispose());

    sound.start().finish();
    await vi.waitFor(async () => expect(await readFile(record, 'utf8').catch(() => '')).toMatch(/^-q .*siren\.wav\n$/));
    const file = (await readFile(record, 'utf8')).trim().split(' ')[1]!;
    const wav = await readFile(file);
    expect(wav.subarray(0, 4).toString('ascii')).toBe('RIFF');
    expect((await stat(file)).size).toBe(sirenWav().byteLength);
  });

  it('repeats the sound until the siren is acknowledged', async () => {
    const dir = await tempDir();
    const record = join(dir, 'played.txt');
    await fakePlayer(dir, 'aplay', `echo x >> '${record}'`);
    const sound = new SirenSound({ logger: recordingLogger(), env: { PATH: dir }, platform: 'linux' });
    cleanups.push(() => sound.dispose());

    const playback = sound.start();
    await vi.waitFor(async () => expect((await readFile(record, 'utf8').catch(() => '')).length).toBeGreaterThanOrEqual(6));
    playback.stop();
    await new Promise((resolve) => setTimeout(resolve, 100));
    const count = (await readFile(record, 'utf8')).length;
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect((await readFile(record, 'utf8')).length).toBe(count);
  });

  it('warns once and stays silent when no player is installed', async () => {
    const logger = recordingLogger();
    const sound = new SirenSound({ logger, env: { PATH: '' }, platform: 'linux' });
    cleanups.push(() => sound.dispose());

    sound.start();
    await vi.waitFor(() => expect(logger.warnings).toHaveLength(1));
    sound.start();
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(logger.warnings).toHaveLength(1);
  });

  it('removes its temp file when disposed', async () => {
    const sound = new SirenSound({ logger: recordingLogger(), env: { PATH: '' }, platform: 'linux' });
    const file = await sound.wavFile();
    await sound.dispose();
    await expect(stat(file)).rejects.toMatchObject({ code: 'ENOENT' });
  });
});
