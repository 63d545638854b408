import { hostname } from 'node:os';
import type { VarselClient } from '../../varsel-client.js';
import { runPool } from '../../pool.js';
import type { Progress } from '../progress-log.js';
import type { Credentials } from './connect.js';

// 500: POST /api/devices/enroll-bulk takes up to 1,000 devices, but 1,000 of them do not fit in
// the API's 64 KiB body limit (about 70 bytes each even with short host names); 500 do.
const BULK = 500;
// 100,000: the most uses one enrollment token may have.
const TOKEN_USES = 100_000;
// 2 calls in flight: each is one Redis pipeline of 1,000 devices; more only queue behind it.
const CONCURRENCY = 2;

/**
 * Enrolls `count` devices through the bulk path, spread round-robin over every org unit (so that
 * an audience of units has real work to do), with the API calls spread over the edges.
 */
export async function enrollDevices(clients: readonly VarselClient[], count: number, progress: Progress, signal: AbortSignal): Promise<{ devices: Credentials[]; ms: number }> {
  const first = clients[0];
  if (!first) throw new Error('no API client');
  const units = (await first.orgUnits()).map((u) => u.id);
  if (units.length === 0) throw new Error('the installation has no org units');
  const tokens: string[] = [];
  for (let left = count; left > 0; left -= TOKEN_USES) {
    const t = await first.createEnrollmentToken({ label: 'benchmark', maxUses: Math.min(TOKEN_USES, left), expiresInHours: 24 });
    tokens.push(t.token);
  }
  const host = hostname().toLowerCase().replace(/[^a-z0-9.-]/g, '-');
  const calls = Math.ceil(count / BULK);
  const started = performance.now();
  let done = 0;
  const status = progress.every(1000, () => `enrolling ${done}/${count}`);
  try {
    const parts = await runPool(
      calls,
      CONCURRENCY,
      async (c) => {
        const from = c * BULK;
        const n = Math.min(BULK, count - from);
        const client = clients[c % clients.length] ?? first;
        const res = await client.enrollBulk(
          {
            token: tokens[Math.floor(from / TOKEN_USES)] ?? '',
            devices: Array.from({ length: n }, (_, k) => ({
              platform: 'linux' as const,
              hostname: `b-${host.slice(0, 20)}-${from + k}`,
              orgUnit: units[(from + k) % units.length] ?? units[0],
            })),
          },
          signal,
        );
        done += res.length;
        return res.map((d) => ({ deviceId: d.deviceId, secret: d.deviceSecret }));
      },
      signal,
    );
    const ms = Math.round(performance.now() - started);
    progress.line(`enrolled ${done} devices in ${(ms / 1000).toFixed(1)} s`);
    return { devices: parts.flat(), ms };
  } finally {
    status.stop();
  }
}
