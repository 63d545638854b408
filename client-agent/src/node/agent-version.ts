import { readFileSync } from 'node:fs';

/**
 * The agent's version, from client-agent/package.json (two levels up from both src/node and
 * dist/node), so it has one source. Sent in the handshake and at enrollment.
 */
export function agentVersion(): string | undefined {
  try {
    const pkg: unknown = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8'));
    if (typeof pkg === 'object' && pkg !== null && 'version' in pkg && typeof pkg.version === 'string') return pkg.version.slice(0, 40);
  } catch {
    // An installed layout without package.json: the version is optional in the protocol.
  }
  return undefined;
}
