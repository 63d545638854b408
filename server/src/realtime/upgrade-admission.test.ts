import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { UpgradeGate } from './upgrade-admission.js';

const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('UpgradeGate', () => {
  const sockets: net.Socket[] = [];
  const socket = (): net.Socket => {
    const s = new net.Socket();
    sockets.push(s);
    return s;
  };
  afterEach(() => {
    for (const s of sockets.splice(0)) s.destroy();
  });

  it('says whether an upgrade has been read through a whole turn since its request: not when admitted at once or within a turn, yes after waiting longer', async () => {
    const gate = new UpgradeGate(1);
    const started: [string, boolean][] = [];
    const a = socket();
    const b = socket();
    const c = socket();
    gate.admit(a, (endSeen) => started.push(['A', endSeen]));
    gate.admit(b, (endSeen) => started.push(['B', endSeen]));
    // A is admitted at once, with no turn between its request and its start.
    expect(started).toEqual([['A', false]]);

    // B waited through two turns: the whole turn after its request's has been read.
    await turn();
    await turn();
    gate.admit(c, (endSeen) => started.push(['C', endSeen]));
    gate.settled(a);
    expect(started).toEqual([
      ['A', false],
      ['B', true],
    ]);

    // C began to wait in this turn: its start waits for the check.
    gate.settled(b);
    expect(started.at(-1)).toEqual(['C', false]);
    // One turn is not enough either.
    const d = socket();
    gate.admit(d, (endSeen) => started.push(['D', endSeen]));
    await turn();
    gate.settled(c);
    expect(started.at(-1)).toEqual(['D', false]);
    gate.close();
  });
});
