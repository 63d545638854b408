/**
 * The platform-free agent core: what the PC daemon (src/node) and a PWA share. Nothing here imports
 * a Node or DOM-only module; platform work comes in through StateStore, AlertPresenter, Logger and
 * Clock.
 */
export { AgentCore, REPORT_ACK_TIMEOUT_MS } from './agent-core.js';
export type { AgentCoreOptions, AgentSocket, AgentStatus, AgentStopped } from './agent-core.js';
export { AgentStateSchema, MemoryStateStore } from './agent-state.js';
export type { AgentState, StateStore } from './agent-state.js';
export type { AlertPresenter, DismissReason } from './alert-presenter.js';
export { LANGUAGES, isExpired, textOf } from './alert-text.js';
export type { Language } from './alert-text.js';
export { Backoff, DEFAULT_BACKOFF } from './backoff.js';
export type { BackoffOptions } from './backoff.js';
export { MAX_TIMER_DELAY_MS, systemClock } from './clock.js';
export type { Clock, TimerHandle } from './clock.js';
export { silentLogger } from './logger.js';
export type { LogFields, Logger } from './logger.js';
export { decide, handshakeRefusal } from './reconnect-policy.js';
export type { HandshakeRefusal, ReconnectDecision } from './reconnect-policy.js';
export { OUTBOX_LIMIT, ReportOutbox } from './report-outbox.js';
export type { OutboxLease } from './report-outbox.js';
export { SEEN_ALERTS_LIMIT, SeenAlerts } from './seen-alerts.js';
