import { PassThrough } from 'node:stream';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { alertFixture } from '../../test/fixtures.js';
import type { SirenPlayback } from './siren-sound.js';
import { TerminalUi, renderAlert, wrap } from './terminal-ui.js';

const uis: TerminalUi[] = [];
afterEach(() => {
  for (const ui of uis.splice(0)) ui.close();
});

function terminal(lang: 'da' | 'en' = 'da') {
  const output = { text: '', columns: 80, isTTY: false, write(chunk: string) { this.text += chunk; return true; } };
  const input = new PassThrough();
  const plays: { stopped: boolean; finished: boolean }[] = [];
  const sound = {
    start(): SirenPlayback {
      const play = { stopped: false, finished: false };
      plays.push(play);
      return { stop: () => (play.stopped = true), finish: () => (play.finished = true) };
    },
  };
  const ui = new TerminalUi({ lang, output, input, sound, color: false });
  uis.push(ui);
  return { ui, output, input, plays };
}

const exerciseSiren = alertFixture({
  status: 'exercise',
  content: {
    da: { title: 'Evakuering af Rådhuset', body: 'Forlad bygningen ad nærmeste nødudgang.' },
    en: { title: 'Evacuation of City Hall', body: 'Leave the building by the nearest exit.' },
  },
  link: 'https://it.kk.dk/vejledning/evakuering',
});

describe('renderAlert', () => {
  it('marks a siren drill with SIRENE and ØVELSE in Danish', () => {
    const box = renderAlert(exerciseSiren, { lang: 'da', width: 80, color: false });
    expect(box).toContain('SIRENE  ·  ØVELSE');
    expect(box).toContain('EVAKUERING AF RÅDHUSET');
    expect(box).toContain('Dette er en øvelse.');
    expect(box).toContain('Vejledning: https://it.kk.dk/vejledning/evakuering');
  });

  it('shows the English text and markers with --lang en', () => {
    const box = renderAlert(exerciseSiren, { lang: 'en', width: 80, color: false });
    expect(box).toContain('SIREN  ·  EXERCISE');
    expect(box).toContain('EVACUATION OF CITY HALL');
  });

  it('falls back to Danish when the alert has no English text', () => {
    const notice = alertFixture({ kind: 'notice', content: { da: { title: 'Nedbrud i e-mail', body: 'Vi arbejder på det.' } } });
    const box = renderAlert(notice, { lang: 'en', width: 80, color: false });
    expect(box).toContain('NOTICE');
    expect(box).toContain('NEDBRUD I E-MAIL');
    expect(box).not.toContain('SIREN');
  });

  it('draws every line of the box at the same width', () => {
    const long = alertFixture({ content: { da: { title: 'Strømsvigt', body: `${'meget lang tekst '.repeat(30)}\nhttps://example.org/${'x'.repeat(120)}` } } });
    const lines = renderAlert(long, { lang: 'da', width: 60, color: false }).split('\n');
    expect(new Set(lines.map((line) => [...line].length))).toEqual(new Set([60]));
  });

  it('strips control characters so alert text cannot drive the terminal', () => {
    const hostile = alertFixture({ content: { da: { title: 'Test\u001b[2J', body: 'ok\u0007\u001b]0;x\u0007' } } });
    expect(renderAlert(hostile, { lang: 'da', width: 80, color: false })).not.toMatch(/[\u0000-\u0009\u000b-\u001f]/);
  });

  it('wraps words at the width and cuts words longer than a line', () => {
    expect(wrap('aa bb cc', 5)).toEqual(['aa bb', 'cc']);
    expect(wrap('abcdefgh', 3)).toEqual(['abc', 'def', 'gh']);
  });
});

describe('TerminalUi', () => {
  it('asks for Enter on a siren and acknowledges the oldest waiting siren first', async () => {
    const { ui, output, input, plays } = terminal();
    const first = alertFixture();
    const second = alertFixture();
    await ui.display(first);
    await ui.display(second);
    const acked: string[] = [];
    const signal = new AbortController().signal;
    void ui.awaitAcknowledgement(first, signal).then(() => acked.push(first.id));
    void ui.awaitAcknowledgement(second, signal).then(() => acked.push(second.id));
    expect(output.text).toContain('Tryk Enter for at kvittere');

    input.write('\n');
    await vi.waitFor(() => expect(acked).toEqual([first.id]));
    expect(plays[0]!.stopped).toBe(true);
    expect(plays[1]!.stopped).toBe(false);
    input.write('\n');
    await vi.waitFor(() => expect(acked).toEqual([first.id, second.id]));
  });

  it('shows a notice without sound and without asking for Enter', async () => {
    const { ui, output, plays } = terminal();
    await ui.display(alertFixture({ kind: 'notice' }));
    expect(output.text).toContain('MEDDELELSE');
    expect(output.text).not.toContain('Enter');
    expect(plays).toEqual([]);
  });

  it('stops waiting and silences the siren when it expires', async () => {
    const { ui, output, plays } = terminal('en');
    const siren = alertFixture();
    await ui.display(siren);
    const controller = new AbortController();
    const waiting = ui.awaitAcknowledgement(siren, controller.signal);
    controller.abort('expired');
    await expect(waiting).rejects.toThrow();
    ui.dismiss(siren, 'expired');
    expect(plays[0]!.stopped).toBe(true);
    expect(output.text).toContain('Expired');
  });

  it('lets the sound of an automatically acknowledged siren play out', async () => {
    const { ui, plays } = terminal();
    const siren = alertFixture();
    await ui.display(siren);
    ui.dismiss(siren, 'acknowledged');
    expect(plays[0]).toEqual({ stopped: false, finished: true });
  });
});
