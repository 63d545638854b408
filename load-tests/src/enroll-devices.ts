/**
 * enroll-devices: enrolls a fleet of load-test devices and writes their credentials to a JSON file
 * for the k6 agent scenario (load-tests/k6/agent.ts reads it with open() and a SharedArray).
 *
 *   node load-tests/dist/enroll-devices.js --url http://localhost:8080 --count 5000 --out devices.json
 *
 * The password comes from VARSEL_PASSWORD (or --password). The file is siren-run's devices file
 * (device-file.ts): devices already in it for the same installation and unit are kept and only the
 * missing ones are enrolled, through POST /api/devices/enroll-bulk, 1,000 a call.
 */
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { loadDevices, saveDevices } from './device-file.js';
import { VarselClient, type Enrolled } from './varsel-client.js';

/** 1,000: the most devices POST /api/devices/enroll-bulk takes in one call. */
const BULK_MAX = 1000;

export interface EnrollFleetOptions {
  url: string;
  user: string;
  password: string;
  orgUnit: string;
  count: number;
  out: string;
}

/** Makes `out` hold at least `count` devices of `orgUnit` on `url`; returns how many it enrolled now. */
export async function enrollFleet(o: EnrollFleetOptions): Promise<{ devices: Enrolled[]; enrolled: number }> {
  const scope = { url: o.url, orgUnit: o.orgUnit };
  const have = await loadDevices(o.out, scope);
  const missing = Math.max(0, o.count - have.length);
  if (missing === 0) return { devices: have, enrolled: 0 };
  const { client } = await VarselClient.login(o.url, o.user, o.password);
  try {
    const { token } = await client.createEnrollmentToken({ label: 'k6 load test', orgUnit: o.orgUnit, maxUses: missing, expiresInHours: 1 });
    const devices = [...have];
    for (let i = 0; i < missing; i += BULK_MAX) {
      const n = Math.min(BULK_MAX, missing - i);
      const batch = Array.from({ length: n }, (_, j) => ({ platform: 'linux' as const, hostname: `k6-agent-${have.length + i + j}` }));
      devices.push(...(await client.enrollBulk({ token, devices: batch })));
      // Saved after every call: an interrupted run keeps what it enrolled (the token's uses are spent).
      await saveDevices(o.out, scope, devices);
    }
    return { devices, enrolled: missing };
  } finally {
    await client.logout();
  }
}

const USAGE = `usage: enroll-devices --url URL --count N [--out devices.json] [--org-unit KIT] [--user admin] [--password P]
  The password may come from VARSEL_PASSWORD instead of --password (keeps it out of ps).`;

async function main(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      url: { type: 'string' },
      count: { type: 'string' },
      out: { type: 'string', default: 'devices.json' },
      'org-unit': { type: 'string', default: 'KIT' },
      user: { type: 'string', default: 'admin' },
      password: { type: 'string' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const password = values.password ?? process.env.VARSEL_PASSWORD;
  const count = Number(values.count);
  if (!values.url || !password || !Number.isInteger(count) || count < 1) {
    process.stderr.write(`enroll-devices: --url, --count (a whole number) and a password are required\n${USAGE}\n`);
    return 2;
  }
  const url = values.url.replace(/\/+$/, '');
  const res = await enrollFleet({ url, user: values.user, password, orgUnit: values['org-unit'], count, out: values.out });
  process.stderr.write(`enroll-devices: ${res.devices.length} devices in ${values.out} (${res.enrolled} enrolled now)\n`);
  return 0;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      process.stderr.write(`enroll-devices: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exitCode = 1;
    },
  );
}
