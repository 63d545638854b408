import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { AlertReport } from '@varsel/shared';
import { ReportOutbox } from './report-outbox.js';

const id = randomUUID();
const delivered: AlertReport = { alertId: id, state: 'delivered' };
const displayed: AlertReport = { alertId: id, state: 'displayed' };
const acknowledged: AlertReport = { alertId: id, state: 'acknowledged' };

describe('ReportOutbox', () => {
  it('hands out waiting reports oldest first and not again while they are in flight', () => {
    const outbox = new ReportOutbox();
    outbox.add(delivered);
    outbox.add(displayed);
    expect(outbox.take().map((l) => l.report)).toEqual([delivered, displayed]);
    expect(outbox.take()).toEqual([]);
  });

  it('keeps a released report in its place so a resend keeps the order', () => {
    const outbox = new ReportOutbox();
    outbox.add(delivered);
    const [first] = outbox.take();
    outbox.add(displayed);
    outbox.add(acknowledged);
    outbox.release(first!);
    expect(outbox.take().map((l) => l.report.state)).toEqual(['delivered', 'displayed', 'acknowledged']);
  });

  it('forgets a report once settled, and releases everything in flight when the connection goes', () => {
    const outbox = new ReportOutbox();
    outbox.add(delivered);
    outbox.add(displayed);
    const [first] = outbox.take();
    outbox.settle(first!);
    outbox.releaseAll();
    expect(outbox.take().map((l) => l.report)).toEqual([displayed]);
    expect(outbox.size).toBe(1);
  });

  it('ignores the late answer of an earlier attempt', () => {
    const outbox = new ReportOutbox();
    outbox.add(delivered);
    const [stale] = outbox.take();
    outbox.releaseAll();
    const [current] = outbox.take();
    outbox.settle(stale!);
    outbox.release(stale!);
    expect(outbox.size).toBe(1);
    expect(outbox.take()).toEqual([]);
    outbox.settle(current!);
    expect(outbox.size).toBe(0);
  });

  it('queues the same report only once', () => {
    const outbox = new ReportOutbox();
    outbox.add(delivered);
    outbox.add({ ...delivered });
    expect(outbox.snapshot()).toEqual([delivered]);
  });

  it('drops the oldest report when full and says which', () => {
    const outbox = new ReportOutbox(2);
    outbox.add(delivered);
    outbox.add(displayed);
    expect(outbox.add(acknowledged)).toEqual(delivered);
    expect(outbox.snapshot()).toEqual([displayed, acknowledged]);
  });

  it('starts from a saved snapshot, as a durable outbox will', () => {
    const outbox = new ReportOutbox(10, [delivered, displayed]);
    expect(outbox.take().map((l) => l.report)).toEqual([delivered, displayed]);
  });
});
