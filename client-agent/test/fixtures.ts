import { randomUUID } from 'node:crypto';
import type { AgentAlert } from '@varsel/shared';
import type { AgentState } from '../src/core/index.js';

export function alertFixture(overrides: Partial<AgentAlert> = {}): AgentAlert {
  const now = Date.now();
  return {
    id: randomUUID(),
    seq: 1,
    kind: 'siren',
    status: 'actual',
    severity: 'extreme',
    content: { da: { title: 'Strømsvigt på Rådhuset', body: 'Forlad bygningen ad nærmeste nødudgang.' } },
    createdAt: new Date(now).toISOString(),
    expiresAt: new Date(now + 60 * 60_000).toISOString(),
    ...overrides,
  };
}

export function stateFixture(serverUrl: string, overrides: Partial<AgentState> = {}): AgentState {
  return {
    version: 1,
    serverUrl,
    deviceId: randomUUID(),
    secret: 'a-device-secret-of-32-characters',
    orgUnit: 'KIT',
    enrolledAt: new Date().toISOString(),
    seenAlertIds: [],
    ...overrides,
  };
}
