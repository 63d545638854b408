import { describe, expect, it } from 'vitest';
import { OrgTree } from './org-tree.js';
import { KK_ORG_UNITS, parseLocationsCsv, slug, loadKkLocations } from './kk-directory.js';

describe('OrgTree', () => {
  const tree = new OrgTree(KK_ORG_UNITS);

  it('expands a unit to itself and every unit below it', () => {
    expect(tree.expand(['BUF'])).toEqual(['BUF', 'BUF-DAGTILBUD', 'BUF-SKOLER']);
    expect(tree.expand(['ØKF'])).toEqual(['KIT', 'ØKF']);
  });

  it('lists each unit once when the audience names a unit and its parent', () => {
    expect(tree.expand(['SUF', 'SUF-HJEMMEPLEJE'])).toEqual(['SUF', 'SUF-HJEMMEPLEJE', 'SUF-PLEJEHJEM']);
  });

  it('names the units that do not exist', () => {
    expect(tree.unknown(['KIT', 'NOPE', 'BUF-X'])).toEqual(['NOPE', 'BUF-X']);
  });

  it('does not loop on a cycle in the data', () => {
    const cyclic = new OrgTree([
      { id: 'A', name: 'a', parent: 'B' },
      { id: 'B', name: 'b', parent: 'A' },
    ]);
    expect(cyclic.expand(['A'])).toEqual(['A', 'B']);
  });
});

describe('KK locations', () => {
  it('turns Danish names into ids', () => {
    expect(slug('Amager Fælled Skole')).toBe('amager-faelled-skole');
    expect(slug('Børnehuset Villa Bohéme')).toBe('boernehuset-villa-boheme');
  });

  it('loads the 39 real properties with unique ids', () => {
    const locations = loadKkLocations();
    expect(locations).toHaveLength(39);
    expect(new Set(locations.map((l) => l.id)).size).toBe(39);
    expect(locations[0]).toEqual({ id: 'havkatten', name: 'Havkatten', address: 'Amager Strandvej 178', administration: 'BUF' });
  });

  it('gives a repeated name a numbered id', () => {
    const l = parseLocationsCsv('address,administration,name\nA 1,BUF,Skolen\nB 2,BUF,Skolen\n');
    expect(l.map((x) => x.id)).toEqual(['skolen', 'skolen-2']);
  });

  it('refuses a file with another header or a short line', () => {
    expect(() => parseLocationsCsv('name,address\n')).toThrow(/header/);
    expect(() => parseLocationsCsv('address,administration,name\nonly-one-field\n')).toThrow(/line 2/);
  });
});
