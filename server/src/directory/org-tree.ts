import type { OrgUnit } from '@varsel/shared';

/** Org units as a tree: expands an audience's units to those units and every unit below them. */
export class OrgTree {
  private readonly children = new Map<string, string[]>();
  private readonly ids: Set<string>;

  constructor(units: readonly OrgUnit[]) {
    this.ids = new Set(units.map((u) => u.id));
    for (const u of units) {
      if (u.parent === undefined) continue;
      const list = this.children.get(u.parent) ?? [];
      list.push(u.id);
      this.children.set(u.parent, list);
    }
  }

  has(id: string): boolean {
    return this.ids.has(id);
  }

  /** The ids among `units` that do not exist. */
  unknown(units: readonly string[]): string[] {
    return units.filter((u) => !this.ids.has(u));
  }

  /** The given units and all their descendants, each once, sorted. */
  expand(units: readonly string[]): string[] {
    const out = new Set<string>();
    const stack = [...units];
    while (stack.length > 0) {
      const id = stack.pop()!;
      if (out.has(id)) continue;
      out.add(id);
      stack.push(...(this.children.get(id) ?? []));
    }
    return [...out].sort();
  }
}
