import type { OrgUnit } from '@varsel/shared';

export interface OrgTreeRow {
  unit: OrgUnit;
  /** 0 for a top unit (an administration), 1 for its children, and so on. */
  depth: number;
}

/**
 * Orders org units depth-first, each parent followed by its children sorted by name, for an
 * indented list. A unit whose parent is unknown is shown as a top unit; a cycle in the data
 * cannot hang the console (every unit is emitted once).
 */
export function orderOrgTree(units: readonly OrgUnit[]): OrgTreeRow[] {
  const byId = new Map(units.map((u) => [u.id, u]));
  const children = new Map<string | undefined, OrgUnit[]>();
  for (const unit of units) {
    const parent = unit.parent !== undefined && byId.has(unit.parent) && unit.parent !== unit.id ? unit.parent : undefined;
    const list = children.get(parent) ?? [];
    list.push(unit);
    children.set(parent, list);
  }
  const byName = (a: OrgUnit, b: OrgUnit): number => a.name.localeCompare(b.name, 'da');
  const rows: OrgTreeRow[] = [];
  const seen = new Set<string>();
  const visit = (unit: OrgUnit, depth: number): void => {
    if (seen.has(unit.id)) return;
    seen.add(unit.id);
    rows.push({ unit, depth });
    for (const child of [...(children.get(unit.id) ?? [])].sort(byName)) visit(child, depth + 1);
  };
  for (const root of [...(children.get(undefined) ?? [])].sort(byName)) visit(root, 0);
  // Units caught in a parent cycle have no root above them; list them last rather than lose them.
  for (const unit of [...units].sort(byName)) visit(unit, 0);
  return rows;
}

/** The names of the given unit ids, for summaries; unknown ids are shown as they are. */
export function unitNames(ids: readonly string[], units: readonly OrgUnit[]): string[] {
  const byId = new Map(units.map((u) => [u.id, u.name]));
  return ids.map((id) => byId.get(id) ?? id);
}
