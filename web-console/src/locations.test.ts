import type { Location } from '@varsel/shared';
import { describe, expect, it } from 'vitest';
import { filterLocations, locationLabel, locationNames, locationOptions } from './locations.js';

const L = (id: string, name: string, address: string, administration: string): Location => ({ id, name, address, administration });
const LOCATIONS = [
  L('amager-faelled-skole', 'Amager Fælled Skole', 'Amagerfælledvej 51', 'BUF'),
  L('havkatten', 'Havkatten', 'Amager Strandvej 178', 'BUF'),
  L('hvalen', 'Hvalen', 'Artillerivej 75', 'BUF'),
  L('valby-medborgerhus', 'Valby Medborgerhus', 'Valgårdsvej 4', 'KFF'),
];

describe('locationLabel', () => {
  it('reads name — address (administration)', () => {
    expect(locationLabel(LOCATIONS[2]!)).toBe('Hvalen — Artillerivej 75 (BUF)');
  });

  it('leaves out what the directory lacks', () => {
    expect(locationLabel(L('x', 'Rådhuset', '', ''))).toBe('Rådhuset');
    expect(locationLabel(L('x', 'Rådhuset', ' ', 'ØKF'))).toBe('Rådhuset (ØKF)');
  });
});

describe('filterLocations', () => {
  it('keeps all for an empty search', () => {
    expect(filterLocations(LOCATIONS, '  ')).toEqual(LOCATIONS);
  });

  it('matches every word in name, address, administration or id, ignoring case', () => {
    expect(filterLocations(LOCATIONS, 'amager').map((l) => l.id)).toEqual(['amager-faelled-skole', 'havkatten']);
    expect(filterLocations(LOCATIONS, 'AMAGER strandvej').map((l) => l.id)).toEqual(['havkatten']);
    expect(filterLocations(LOCATIONS, 'kff').map((l) => l.id)).toEqual(['valby-medborgerhus']);
    expect(filterLocations(LOCATIONS, 'VALGÅRDS').map((l) => l.id)).toEqual(['valby-medborgerhus']);
    expect(filterLocations(LOCATIONS, 'faelled').map((l) => l.id)).toEqual(['amager-faelled-skole']);
    expect(filterLocations(LOCATIONS, 'nowhere')).toEqual([]);
  });
});

describe('locationOptions', () => {
  it('keeps the chosen location even when the search hides it', () => {
    expect(locationOptions(LOCATIONS, 'amager', 'hvalen').map((l) => l.id)).toEqual(['hvalen', 'amager-faelled-skole', 'havkatten']);
    expect(locationOptions(LOCATIONS, 'amager', 'havkatten').map((l) => l.id)).toEqual(['amager-faelled-skole', 'havkatten']);
    expect(locationOptions(LOCATIONS, 'amager', '').map((l) => l.id)).toEqual(['amager-faelled-skole', 'havkatten']);
    expect(locationOptions(LOCATIONS, 'amager', 'gone')).toHaveLength(2);
  });
});

describe('locationNames', () => {
  it('maps ids to names', () => {
    const names = locationNames(LOCATIONS);
    expect(names.get('hvalen')).toBe('Hvalen');
    expect(names.get('unknown')).toBeUndefined();
  });
});
