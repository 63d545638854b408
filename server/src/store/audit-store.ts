import type { Keys } from './keys.js';
import type { Redis } from './redis.js';

export interface AuditRecord {
  actor: string;
  action: string;
  target?: string;
  details?: unknown;
}

/** The audit log: an append-only Redis stream; every state-changing action writes one record. */
export class AuditStore {
  constructor(
    private readonly redis: Redis,
    private readonly keys: Keys,
  ) {}

  async append(r: AuditRecord, now = new Date()): Promise<void> {
    await this.redis.xadd(
      this.keys.audit,
      '*',
      'at', now.toISOString(),
      'actor', r.actor,
      'action', r.action,
      'target', r.target ?? '',
      'details', r.details === undefined ? '' : JSON.stringify(r.details),
    );
  }

  async recent(count: number): Promise<(AuditRecord & { at: string; id: string })[]> {
    const entries = await this.redis.xrevrange(this.keys.audit, '+', '-', 'COUNT', count);
    return entries.map(([id, fields]) => {
      const f: Record<string, string> = {};
      for (let i = 0; i + 1 < fields.length; i += 2) f[fields[i]!] = fields[i + 1]!;
      return {
        id,
        at: f.at ?? '',
        actor: f.actor ?? '',
        action: f.action ?? '',
        ...(f.target ? { target: f.target } : {}),
        ...(f.details ? { details: JSON.parse(f.details) as unknown } : {}),
      };
    });
  }
}
