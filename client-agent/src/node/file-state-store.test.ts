import { spawn } from 'node:child_process';
import { mkdtemp, readdir, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { alertFixture, stateFixture } from '../../test/fixtures.js';
import { FileStateStore, STATE_FILE_NAME, StateFileError, defaultStateDir } from './file-state-store.js';

const dirs: string[] = [];
afterEach(async () => {
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
});
async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'varsel-state-test-'));
  dirs.push(dir);
  return dir;
}

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
const writerScript = fileURLToPath(new URL('../../test/state-writer.ts', import.meta.url));

/** Starts the writer, lets it save for `ms` after its first save, then kills it with SIGKILL. */
async function killWriterMidSave(dir: string, ms: number): Promise<void> {
  const child = spawn(process.execPath, ['--conditions=varsel-source', '--import', 'tsx', writerScript, dir], {
    cwd: repoRoot,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  await new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('ready')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`writer exited early (${code}): ${stderr}`)));
  });
  await new Promise((resolve) => setTimeout(resolve, ms));
  child.kill('SIGKILL');
  await exited;
}

describe('FileStateStore', () => {
  it('loads nothing where the agent was never enrolled', async () => {
    const store = new FileStateStore(join(await tempDir(), 'missing'));
    await expect(store.load()).resolves.toBeUndefined();
  });

  it('saves the state and loads it back', async () => {
    const store = new FileStateStore(join(await tempDir(), 'nested', 'varsel-agent'));
    const state = stateFixture('https://varsel.example.org', { seenAlertIds: ['a', 'b'] });
    await store.save(state);
    await expect(store.load()).resolves.toEqual(state);
  });

  it('saves the cursor, the outbox, the closed threads and the open sirens of protocol 2 and loads them back', async () => {
    const store = new FileStateStore(await tempDir());
    const siren = alertFixture({ repeatMinutes: 2 });
    const state = stateFixture('https://varsel.example.org', {
      cursor: 41,
      closedThreadIds: ['c'],
      openSirens: [siren],
      outbox: [{ alertId: siren.id, state: 'acknowledged' }],
    });
    await store.save(state);
    await expect(store.load()).resolves.toEqual(state);
  });

  it('loads a state file written by a protocol-1 agent, with no cursor, outbox or closed threads yet', async () => {
    const store = new FileStateStore(await tempDir());
    const { cursor: _c, closedThreadIds: _t, openSirens: _o, outbox: _b, ...v1 } = stateFixture('https://varsel.example.org', { seenAlertIds: ['a'] });
    await writeFile(store.file, JSON.stringify(v1), { mode: 0o600 });
    await expect(store.load()).resolves.toEqual({ ...v1, cursor: 0, closedThreadIds: [], openSirens: [], outbox: [] });
  });

  it.skipIf(process.platform === 'win32')('keeps the state file readable by its owner only, as it holds the device secret', async () => {
    const store = new FileStateStore(await tempDir());
    await store.save(stateFixture('https://varsel.example.org'));
    expect((await stat(store.file)).mode & 0o777).toBe(0o600);
  });

  it('replaces the state on a second save and leaves no temp file behind', async () => {
    const store = new FileStateStore(await tempDir());
    await store.save(stateFixture('https://varsel.example.org', { hostname: 'first' }));
    await store.save(stateFixture('https://varsel.example.org', { hostname: 'second' }));
    expect((await store.load())?.hostname).toBe('second');
    expect(await readdir(store.dir)).toEqual([STATE_FILE_NAME]);
  });

  it('ignores a torn temp file from a crashed save and removes it once it is stale', async () => {
    const dir = await tempDir();
    const store = new FileStateStore(dir);
    const state = stateFixture('https://varsel.example.org');
    await store.save(state);
    const leftover = join(dir, `.${STATE_FILE_NAME}.4242.${'0'.repeat(8)}.tmp`);
    await writeFile(leftover, '{"version":1,"serverUrl":"https://varsel.exa');

    await expect(store.load()).resolves.toEqual(state);
    expect(await readdir(dir)).toContain(`.${STATE_FILE_NAME}.4242.${'0'.repeat(8)}.tmp`);

    const anHourAgo = new Date(Date.now() - 3_600_000);
    await utimes(leftover, anHourAgo, anHourAgo);
    await expect(store.load()).resolves.toEqual(state);
    expect(await readdir(dir)).toEqual([STATE_FILE_NAME]);
  });

  it('reports a state file that is not JSON as STATE_INVALID', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, STATE_FILE_NAME), '{"version":1,');
    await expect(new FileStateStore(dir).load()).rejects.toMatchObject({ code: 'STATE_INVALID' });
  });

  it('reports a state file of the wrong shape as STATE_INVALID', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, STATE_FILE_NAME), JSON.stringify({ version: 1, deviceId: 'x' }));
    const error: unknown = await new FileStateStore(dir).load().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StateFileError);
    expect(error).toMatchObject({ code: 'STATE_INVALID' });
  });

  it('refuses to save an invalid state and keeps the old one', async () => {
    const store = new FileStateStore(await tempDir());
    const state = stateFixture('https://varsel.example.org');
    await store.save(state);
    await expect(store.save({ ...state, deviceId: 'not-a-uuid' })).rejects.toThrow();
    await expect(store.load()).resolves.toEqual(state);
  });

  it.skipIf(process.platform === 'win32')(
    'leaves a whole state file, old or new, when the writing process is killed mid-save',
    async () => {
      for (const ms of [0, 5, 20, 50, 120]) {
        const dir = await tempDir();
        await killWriterMidSave(dir, ms);
        const state = await new FileStateStore(dir).load();
        expect(state?.hostname).toMatch(/^save-\d+$/);
        expect(state?.seenAlertIds).toHaveLength(1000);
      }
    },
    30_000,
  );

  it('puts the state under APPDATA on Windows and under the XDG config directory elsewhere', () => {
    expect(defaultStateDir({ APPDATA: 'C:\\Users\\a\\AppData\\Roaming' }, 'win32', 'C:\\Users\\a')).toBe(
      join('C:\\Users\\a\\AppData\\Roaming', 'varsel-agent'),
    );
    expect(defaultStateDir({ XDG_CONFIG_HOME: '/xdg' }, 'linux', '/home/a')).toBe(join('/xdg', 'varsel-agent'));
    expect(defaultStateDir({}, 'darwin', '/Users/a')).toBe(join('/Users/a', '.config', 'varsel-agent'));
  });
});
