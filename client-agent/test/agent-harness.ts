import { afterEach, expect, vi } from 'vitest';
import type { AgentCoreOptions, AgentState, AgentStatus } from '../src/core/index.js';
import { AgentCore, MemoryStateStore } from '../src/core/index.js';
import { FakeVarselServer } from './fake-varsel-server.js';
import type { FakeVarselServerOptions } from './fake-varsel-server.js';
import { stateFixture } from './fixtures.js';
import { RecordingPresenter } from './recording-presenter.js';

export interface Agent {
  core: AgentCore;
  presenter: RecordingPresenter;
  store: MemoryStateStore;
  statuses: AgentStatus[];
}

export type StartAgentOptions = Partial<AgentCoreOptions> & { state?: AgentState };

/**
 * Fake servers and real AgentCores for a test file, all closed after each test. Call once at the
 * top of the file: it registers the afterEach hook.
 */
export function useAgents() {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  async function startServer(options: FakeVarselServerOptions = {}): Promise<FakeVarselServer> {
    const server = await FakeVarselServer.start(options);
    cleanups.push(() => server.close());
    return server;
  }

  /** A real AgentCore with a recording presenter; `store` (with `state` from it) continues an earlier agent. */
  function startAgent(server: FakeVarselServer, options: StartAgentOptions = {}): Agent {
    const presenter = options.presenter instanceof RecordingPresenter ? options.presenter : new RecordingPresenter();
    const state = options.state ?? stateFixture(server.url);
    const store = options.store instanceof MemoryStateStore ? options.store : new MemoryStateStore(state);
    const statuses: AgentStatus[] = [];
    const core = new AgentCore({
      state,
      store,
      agentVersion: '0.1.0-test',
      // Short delays so reconnects happen within a test; the shape is the production one.
      backoff: { minMs: 20, maxMs: 200, jitter: 0.5 },
      onStatus: (status) => statuses.push(status),
      ...options,
      presenter,
    });
    cleanups.push(() => core.stop());
    core.start();
    return { core, presenter, store, statuses };
  }

  /** Stops an agent and starts a new AgentCore over the same store, as a restart of the process does. */
  async function restartAgent(server: FakeVarselServer, agent: Agent, options: StartAgentOptions = {}): Promise<Agent> {
    await agent.core.stop();
    const saved = await agent.store.load();
    if (saved === undefined) throw new Error('the agent saved no state');
    return startAgent(server, { ...options, state: saved, store: agent.store });
  }

  return { startServer, startAgent, restartAgent, cleanups };
}

export const online = (agent: Agent) => vi.waitFor(() => expect(agent.core.connected).toBe(true), { timeout: 3000 });

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
