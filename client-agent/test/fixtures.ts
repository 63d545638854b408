import { randomUUID } from 'node:crypto';
import type { AgentAlert } from '@varsel/shared';
import type { AgentState } from '../src/core/index.js';

/** Sequence numbers strictly increase across every fixture of a test run, as on the server. */
let lastSeq = 0;
export function nextSeq(): number {
  lastSeq += 1;
  return lastSeq;
}

export function alertFixture(overrides: Partial<AgentAlert> = {}): AgentAlert {
  const now = Date.now();
  return {
    id: randomUUID(),
    seq: nextSeq(),
    kind: 'siren',
    status: 'actual',
    severity: 'extreme',
    content: { da: { title: 'Strømsvigt på Rådhuset', body: 'Forlad bygningen ad nærmeste nødudgang.' } },
    createdAt: new Date(now).toISOString(),
    expiresAt: new Date(now + 60 * 60_000).toISOString(),
    msgType: 'alert',
    ...overrides,
  };
}

/** A message of the thread of `original`, as the server builds it: the original's fields, a new id and seq. */
function followUp(original: AgentAlert, overrides: Partial<AgentAlert>): AgentAlert {
  return {
    ...original,
    id: randomUUID(),
    seq: nextSeq(),
    references: original.id,
    createdAt: new Date().toISOString(),
    ...overrides,
  };
}

export function updateOf(original: AgentAlert, overrides: Partial<AgentAlert> = {}): AgentAlert {
  return followUp(original, {
    msgType: 'update',
    content: { da: { title: 'Strømsvigt: opdatering', body: 'Brug trapperne i østfløjen; elevatorerne står stille.' } },
    ...overrides,
  });
}

export function allClearOf(original: AgentAlert, overrides: Partial<AgentAlert> = {}): AgentAlert {
  const { repeatMinutes: _repeat, ...rest } = original;
  return followUp(rest, {
    msgType: 'update',
    allClear: true,
    content: { da: { title: 'Strømmen er tilbage', body: 'I kan gå ind i bygningen igen.' } },
    ...overrides,
  });
}

export function cancelOf(original: AgentAlert, overrides: Partial<AgentAlert> = {}): AgentAlert {
  const { repeatMinutes: _repeat, ...rest } = original;
  return followUp(rest, {
    msgType: 'cancel',
    content: { da: { title: 'Annulleret', body: 'Varslingen er annulleret. Der er ingen fare.' } },
    ...overrides,
  });
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
    cursor: 0,
    seenSeqs: [],
    closedThreadIds: [],
    openSirens: [],
    outbox: [],
    ...overrides,
  };
}
