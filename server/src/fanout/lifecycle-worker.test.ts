import { describe, expect, it } from 'vitest';
import { REPEAT_ADDRESSED_MAX, repeatAddressed } from './lifecycle-worker.js';

describe('how a siren repeat is sent', () => {
  it('names the devices while few have not acknowledged, and broadcasts to the audience when many have not', () => {
    expect(repeatAddressed({ targeted: 50_000, acknowledged: 45_000 }, REPEAT_ADDRESSED_MAX)).toBe(true);
    expect(repeatAddressed({ targeted: 50_000, acknowledged: 40_000 }, REPEAT_ADDRESSED_MAX)).toBe(true);
    expect(repeatAddressed({ targeted: 50_000, acknowledged: 39_999 }, REPEAT_ADDRESSED_MAX)).toBe(false);
    expect(repeatAddressed({ targeted: 50_000, acknowledged: 0 }, REPEAT_ADDRESSED_MAX)).toBe(false);
    expect(repeatAddressed({ targeted: 10, acknowledged: 5 }, REPEAT_ADDRESSED_MAX)).toBe(true);
  });
});
