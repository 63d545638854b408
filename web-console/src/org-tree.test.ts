import { describe, expect, it } from 'vitest';
import { orderOrgTree, unitNames } from './org-tree.js';

const units = [
  { id: 'BUF-SKOLER', name: 'Skoler', parent: 'BUF' },
  { id: 'KIT', name: 'Koncern IT', parent: 'OKF' },
  { id: 'BUF', name: 'Børne- og Ungdomsforvaltningen' },
  { id: 'OKF', name: 'Økonomiforvaltningen' },
  { id: 'KIT-DRIFT', name: 'Drift', parent: 'KIT' },
  { id: 'ORPHAN', name: 'Afdeling', parent: 'GONE' },
];

describe('orderOrgTree', () => {
  it('puts every unit after its parent, indented one level deeper, siblings by Danish name', () => {
    expect(orderOrgTree(units).map((r) => `${'-'.repeat(r.depth)}${r.unit.id}`)).toEqual([
      'ORPHAN',
      'BUF',
      '-BUF-SKOLER',
      'OKF',
      '-KIT',
      '--KIT-DRIFT',
    ]);
  });

  it('lists units caught in a parent cycle once instead of hanging', () => {
    const rows = orderOrgTree([
      { id: 'A', name: 'A', parent: 'B' },
      { id: 'B', name: 'B', parent: 'A' },
    ]);
    expect(rows.map((r) => r.unit.id).sort()).toEqual(['A', 'B']);
  });
});

describe('unitNames', () => {
  it('names known units and shows unknown ids as they are', () => {
    expect(unitNames(['KIT', 'NOPE'], units)).toEqual(['Koncern IT', 'NOPE']);
  });
});
