/**
 * Every Redis key Varsel uses, built only here, under one configurable prefix (as BullMQ's
 * QueueKeys). Keys of one alert share the hash tag `{a:<id>}` so its Lua scripts stay on one slot
 * should Redis Cluster be used.
 */
export class Keys {
  constructor(readonly prefix: string) {}

  // Sequence and alerts
  /** INCR counter: the next alert sequence number. */
  get seq(): string { return `${this.prefix}:seq`; }
  /** ZSET alert id by seq. */
  get alertsBySeq(): string { return `${this.prefix}:alerts:by-seq`; }
  /** STRING JSON of the stored alert. */
  alert(id: string): string { return `${this.prefix}:alert:{a:${id}}`; }
  /** HASH fan-out bookkeeping: state, broadcastAt, fixedAt, doneAt, targeted and the per-state counters. */
  alertStats(id: string): string { return `${this.prefix}:alert:{a:${id}}:stats`; }
  /** SET device ids the alert was meant for when it fanned out. */
  alertExpected(id: string): string { return `${this.prefix}:alert:{a:${id}}:expected`; }
  /** HASH device id -> delivery state rank (see DELIVERY_STATES). */
  alertDeviceState(id: string): string { return `${this.prefix}:alert:{a:${id}}:dev`; }
  /** HASH device id -> "rank:ms,rank:ms,…", when the device reached each state. */
  alertDeviceTimes(id: string): string { return `${this.prefix}:alert:{a:${id}}:ts`; }
  /** ZSET ids of the updates and cancellation of an original alert, by seq. */
  alertThread(id: string): string { return `${this.prefix}:alert:{a:${id}}:thread`; }
  /** SET of device ids whose push wake-up of run `run` ('fanout', 'repeat-<n>') failed for a reason worth retrying; `retry`: the copy retry n is working on. */
  alertPushRetry(id: string, run: string, retry?: number): string { return `${this.prefix}:alert:{a:${id}}:push-retry:${run}${retry === undefined ? '' : `:${retry}`}`; }
  /** ZSET original alert ids of threads not yet expired, by expiry (ms); what replay reads. */
  get liveThreads(): string { return `${this.prefix}:alerts:live`; }

  // Devices
  device(id: string): string { return `${this.prefix}:device:${id}`; }
  /** HASH push channel -> JSON of the device's PushRegistration on it. */
  devicePush(id: string): string { return `${this.prefix}:device:${id}:push`; }
  /** SET of ids of every enrolled device, revoked ones included. */
  get devicesRegistry(): string { return `${this.prefix}:devices:registry`; }
  /** SET of ids of active (not revoked) devices. */
  get devicesAll(): string { return `${this.prefix}:devices:all`; }
  /** SET of ids of active devices whose own org unit is `unit`. */
  devicesInUnit(unit: string): string { return `${this.prefix}:devices:unit:${unit}`; }

  // Enrollment tokens
  /** HASH token fields; keyed by the SHA-256 of the token secret. */
  enrollmentToken(hash: string): string { return `${this.prefix}:enroll:${hash}`; }
  /** ZSET token hash by creation time. */
  get enrollmentTokens(): string { return `${this.prefix}:enroll-tokens`; }

  // Directory
  /** HASH org unit id -> JSON. */
  get orgUnits(): string { return `${this.prefix}:org-units`; }
  /** HASH location id -> JSON. */
  get locations(): string { return `${this.prefix}:locations`; }

  // Accounts and sessions
  user(username: string): string { return `${this.prefix}:user:${username}`; }
  /** SET of usernames. */
  get users(): string { return `${this.prefix}:users`; }
  /** STRING JSON session, with TTL; keyed by SHA-256 of the cookie value. */
  session(hash: string): string { return `${this.prefix}:session:${hash}`; }
  /** STRING counter of failed logins for a username, with TTL. */
  loginFailures(username: string): string { return `${this.prefix}:login-fail:${username}`; }

  // Audit
  /** STREAM of audit records. */
  get audit(): string { return `${this.prefix}:audit`; }

  // Infrastructure names under the same prefix
  /** BullMQ prefix for the queues. */
  get bullPrefix(): string { return `${this.prefix}:bull`; }
  /** socket.io streams adapter stream name. */
  get adapterStream(): string { return `${this.prefix}:sio`; }
  get adapterSessions(): string { return `${this.prefix}:sio-session:`; }
}
