import { randomUUID } from 'node:crypto';
import { mkdir, open, readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { AgentState, StateStore } from '../core/index.js';
import { AgentStateSchema } from '../core/index.js';

export const STATE_FILE_NAME = 'state.json';
const TEMP_PREFIX = `.${STATE_FILE_NAME}.`;
const TEMP_SUFFIX = '.tmp';
/** A temp file older than this is a leftover of a crash; a live save takes milliseconds. */
const STALE_TEMP_MS = 60_000;

export type StateFileErrorCode = 'STATE_UNREADABLE' | 'STATE_INVALID';

export class StateFileError extends Error {
  constructor(
    readonly code: StateFileErrorCode,
    readonly file: string,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = 'StateFileError';
  }
}

/**
 * Where the state lives unless --state-dir says otherwise: %APPDATA%\varsel-agent on Windows,
 * $XDG_CONFIG_HOME/varsel-agent or ~/.config/varsel-agent elsewhere.
 */
export function defaultStateDir(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform, home: string = homedir()): string {
  if (platform === 'win32') return join(env.APPDATA ?? join(home, 'AppData', 'Roaming'), 'varsel-agent');
  const xdg = env.XDG_CONFIG_HOME;
  return join(xdg !== undefined && xdg !== '' ? xdg : join(home, '.config'), 'varsel-agent');
}

/**
 * The agent state as one JSON file (mode 0600: it holds the device secret), written atomically:
 * a temp file in the same directory is written and fsynced, then renamed over the state file, and
 * the directory is fsynced. A crash at any point leaves the old file or the new one, never a torn
 * one; a leftover temp file is ignored and later removed.
 */
export class FileStateStore implements StateStore {
  readonly file: string;

  constructor(readonly dir: string) {
    this.file = join(dir, STATE_FILE_NAME);
  }

  async load(): Promise<AgentState | undefined> {
    let text: string;
    try {
      text = await readFile(this.file, 'utf8');
    } catch (err) {
      if (isErrno(err, 'ENOENT')) return undefined;
      throw new StateFileError('STATE_UNREADABLE', this.file, `cannot read ${this.file}`, { cause: err });
    }
    await this.removeStaleTempFiles();
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (err) {
      throw new StateFileError('STATE_INVALID', this.file, `${this.file} is not JSON`, { cause: err });
    }
    const parsed = AgentStateSchema.safeParse(json);
    if (!parsed.success) {
      throw new StateFileError('STATE_INVALID', this.file, `${this.file} is not a valid agent state`, { cause: parsed.error });
    }
    return parsed.data;
  }

  async save(state: AgentState): Promise<void> {
    const valid = AgentStateSchema.parse(state);
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
    const temp = join(this.dir, `${TEMP_PREFIX}${process.pid}.${randomUUID()}${TEMP_SUFFIX}`);
    try {
      // 'wx': never follow or reuse an existing file; 0600 because the file holds the secret.
      const handle = await open(temp, 'wx', 0o600);
      try {
        await handle.writeFile(`${JSON.stringify(valid, null, 2)}\n`, 'utf8');
        await handle.sync();
      } finally {
        await handle.close();
      }
      await renameWithRetry(temp, this.file);
    } catch (err) {
      await rm(temp, { force: true });
      throw err;
    }
    await this.syncDir();
  }

  /** Removes temp files that a crashed save left behind. Returns how many. */
  async removeStaleTempFiles(now: number = Date.now()): Promise<number> {
    let removed = 0;
    for (const name of await readdir(this.dir)) {
      if (!name.startsWith(TEMP_PREFIX) || !name.endsWith(TEMP_SUFFIX)) continue;
      const path = join(this.dir, name);
      try {
        if (now - (await stat(path)).mtimeMs < STALE_TEMP_MS) continue;
        await rm(path, { force: true });
        removed += 1;
      } catch (err) {
        if (!isErrno(err, 'ENOENT')) throw err;
      }
    }
    return removed;
  }

  /** Makes the rename itself durable. Windows cannot open a directory, and NTFS journals renames. */
  private async syncDir(): Promise<void> {
    if (process.platform === 'win32') return;
    const handle = await open(this.dir, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  }
}

/** Windows refuses a rename while a scanner holds the target open for a moment: try a few times. */
async function renameWithRetry(from: string, to: string): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await rename(from, to);
      return;
    } catch (err) {
      const busy = isErrno(err, 'EPERM') || isErrno(err, 'EACCES') || isErrno(err, 'EBUSY');
      if (process.platform !== 'win32' || !busy || attempt >= 5) throw err;
      await new Promise((resolve) => setTimeout(resolve, 50 * attempt));
    }
  }
}

export function isErrno(err: unknown, code: string): boolean {
  return err instanceof Error && 'code' in err && err.code === code;
}
