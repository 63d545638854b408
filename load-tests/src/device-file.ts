import { readFile, rename, writeFile } from 'node:fs/promises';
import { z } from 'zod';
import { EnrolledSchema, type Enrolled } from './varsel-client.js';

/**
 * Enrolled devices kept between runs (--devices-file), so that a smoke check run every hour reuses
 * its devices instead of enrolling a new fleet into the installation each time. The file holds
 * device secrets: it is written with mode 0600, like the PC agent's state file.
 */
const DeviceFileSchema = z.object({
  version: z.literal(1),
  url: z.string(),
  orgUnit: z.string(),
  devices: z.array(EnrolledSchema),
});

export interface DeviceFileScope {
  url: string;
  orgUnit: string;
}

/** The devices in the file; none when it does not exist. Throws when it is unreadable or for another installation or unit. */
export async function loadDevices(path: string, scope: DeviceFileScope): Promise<Enrolled[]> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new Error(`${path} is not JSON; delete it to enroll new devices`);
  }
  const parsed = DeviceFileSchema.safeParse(json);
  if (!parsed.success) throw new Error(`${path} is not a siren-run devices file (${parsed.error.issues[0]?.message ?? '?'}); delete it to enroll new devices`);
  const f = parsed.data;
  if (f.url !== scope.url || f.orgUnit !== scope.orgUnit) {
    throw new Error(`${path} holds devices of ${f.url} unit ${f.orgUnit}, not ${scope.url} unit ${scope.orgUnit}; use another file`);
  }
  return f.devices;
}

/** Replaces the file atomically (write, then rename), readable by the owner only. */
export async function saveDevices(path: string, scope: DeviceFileScope, devices: readonly Enrolled[]): Promise<void> {
  const tmp = `${path}.${process.pid}.tmp`;
  const body: z.infer<typeof DeviceFileSchema> = { version: 1, url: scope.url, orgUnit: scope.orgUnit, devices: [...devices] };
  await writeFile(tmp, `${JSON.stringify(body)}\n`, { mode: 0o600 });
  await rename(tmp, path);
}
