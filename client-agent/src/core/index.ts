/**
 * The platform-free agent core: what the PC daemon (src/node) and a PWA share. Nothing here imports
 * a Node or DOM-only module; platform work comes in through StateStore, AlertPresenter, Logger and
 * Clock.
 */
export { AgentCore, OPEN_SIRENS_GRACE_MS } from './agent-core.js';
export type { AgentCoreOptions, AgentSocket, AgentStatus, AgentStopped, SyncInfo } from './agent-core.js';
export { AgentStateSchema, MemoryStateStore } from './agent-state.js';
export type { AgentState, StateStore } from './agent-state.js';
export type { AlertPresenter, DismissReason } from './alert-presenter.js';
export { LANGUAGES, closingOf, isExpired, textOf, threadIdOf } from './alert-text.js';
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
export { REPORT_ACK_TIMEOUT_MS, ReportSender } from './report-sender.js';
export type { ReportSenderOptions } from './report-sender.js';
export { StateSaver } from './state-saver.js';
export { THREADS_LIMIT, ThreadTracker } from './thread-tracker.js';
export type { ThreadTrackerOptions } from './thread-tracker.js';
export { SEEN_ALERTS_LIMIT, SeenAlerts } from './seen-alerts.js';
