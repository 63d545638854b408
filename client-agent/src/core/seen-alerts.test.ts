import { describe, expect, it } from 'vitest';
import { SEEN_ALERTS_LIMIT, SeenAlerts } from './seen-alerts.js';

describe('SeenAlerts', () => {
  it('remembers ids up to its limit and forgets the oldest first', () => {
    const seen = new SeenAlerts([], 3);
    for (const id of ['a', 'b', 'c', 'd']) seen.add(id);
    expect(seen.has('a')).toBe(false);
    expect(seen.toArray()).toEqual(['b', 'c', 'd']);
  });

  it('keeps an id seen again as the newest', () => {
    const seen = new SeenAlerts(['a', 'b', 'c'], 3);
    seen.add('a');
    seen.add('d');
    expect(seen.toArray()).toEqual(['c', 'a', 'd']);
  });

  it('trims a longer saved list to the newest ids', () => {
    const ids = Array.from({ length: SEEN_ALERTS_LIMIT + 5 }, (_, i) => `id-${i}`);
    const seen = new SeenAlerts(ids);
    expect(seen.size).toBe(SEEN_ALERTS_LIMIT);
    expect(seen.has('id-4')).toBe(false);
    expect(seen.has('id-5')).toBe(true);
  });
});
