import { PassThrough } from 'node:stream';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { alertFixture, allClearOf, cancelOf, updateOf } from '../../test/fixtures.js';
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

  it('marks an update OPDATERET, an all-clear AFBLÆST and a cancellation ANNULLERET, in a light box', () => {
    const siren = alertFixture();
    expect(renderAlert(updateOf(siren), { lang: 'da', width: 80, color: false })).toContain('SIRENE  ·  OPDATERET');
    const allClear = renderAlert(allClearOf(exerciseSiren), { lang: 'da', width: 80, color: false });
    expect(allClear).toContain('AFBLÆST  ·  ØVELSE');
    expect(allClear).toContain('Der er intet at kvittere for.');
    expect(allClear).not.toContain('┏');
    const cancel = renderAlert(cancelOf(siren), { lang: 'en', width: 80, color: false });
    expect(cancel).toContain('CANCELLED');
    expect(cancel).not.toContain('SIREN');
    expect(renderAlert(allClearOf(siren), { lang: 'en', width: 80, color: false })).toContain('ALL CLEAR');
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

  it('shows an update of a waiting siren as OPDATERET, keeps it sounding, and acknowledges it under the new title', async () => {
    const { ui, output, input, plays } = terminal();
    const siren = alertFixture();
    await ui.display(siren);
    let acknowledged = false;
    void ui.awaitAcknowledgement(siren, new AbortController().signal).then(() => (acknowledged = true));
    const update = updateOf(siren, { content: { da: { title: 'Brug trapperne', body: 'Elevatorerne står stille.' } } });
    await ui.update(update);

    expect(output.text).toContain('SIRENE  ·  OPDATERET');
    expect(output.text).toContain('BRUG TRAPPERNE');
    expect(plays).toHaveLength(1);
    expect(plays[0]!.stopped).toBe(false);
    input.write('\n');
    await vi.waitFor(() => expect(acknowledged).toBe(true));
    expect(plays[0]!.stopped).toBe(true);
    expect(output.text).toContain('Kvitteret: Brug trapperne');
  });

  it('silences a waiting siren when it is cancelled and shows the cancellation', async () => {
    const { ui, output, plays } = terminal();
    const siren = alertFixture();
    await ui.display(siren);
    const controller = new AbortController();
    const waiting = ui.awaitAcknowledgement(siren, controller.signal);
    controller.abort('cancelled');
    await expect(waiting).rejects.toThrow();
    ui.dismiss(siren, 'cancelled');
    await ui.displayClosing(cancelOf(siren));

    expect(plays[0]!.stopped).toBe(true);
    expect(output.text).toContain('Annulleret: Strømsvigt på Rådhuset');
    expect(output.text).toContain('ANNULLERET');
  });

  it('silences a waiting siren at an all-clear and shows ALL CLEAR in English without sound', async () => {
    const { ui, output, plays } = terminal('en');
    const siren = alertFixture();
    await ui.display(siren);
    ui.dismiss(siren, 'allclear');
    await ui.displayClosing(allClearOf(siren));

    expect(plays).toHaveLength(1);
    expect(plays[0]!.stopped).toBe(true);
    expect(output.text).toContain('All clear: Strømsvigt på Rådhuset');
    expect(output.text).toContain('ALL CLEAR');
  });

  it('sounds a repeated siren again from the start and marks it PÅMINDELSE, but only while it waits', async () => {
    const { ui, output, input, plays } = terminal();
    const siren = alertFixture();
    await ui.display(siren);
    void ui.awaitAcknowledgement(siren, new AbortController().signal);
    ui.repeat(siren);

    expect(plays).toHaveLength(2);
    expect(plays[0]!.stopped).toBe(true);
    expect(plays[1]!.stopped).toBe(false);
    expect(output.text).toContain('SIRENE  ·  PÅMINDELSE');
    input.write('\n');
    await vi.waitFor(() => expect(plays[1]!.stopped).toBe(true));
    ui.repeat(siren);
    expect(plays).toHaveLength(2);
  });
});
