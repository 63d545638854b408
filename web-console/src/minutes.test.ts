import { afterEach, describe, expect, it } from 'vitest';
import { setLang } from './i18n.js';
import { durationText, parseMinutes } from './minutes.js';

afterEach(() => setLang('da'));

describe('parseMinutes', () => {
  it('reads an empty field as not given and digits as a number', () => {
    expect(parseMinutes('')).toBeUndefined();
    expect(parseMinutes('   ')).toBeUndefined();
    expect(parseMinutes(' 240 ')).toBe(240);
  });

  it('turns anything else into NaN, which the shared schema rejects, never into the default', () => {
    for (const text of ['abc', '2.5', '-5', '1e3', '4 timer']) expect(parseMinutes(text), text).toBeNaN();
  });
});

describe('durationText', () => {
  it('says minutes, hours, or both, in the console language', () => {
    expect(durationText(45)).toBe('45 min');
    expect(durationText(240)).toBe('4 t');
    expect(durationText(90)).toBe('1 t 30 min');
    setLang('en');
    expect(durationText(1440)).toBe('24 h');
  });
});
