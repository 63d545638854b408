import { VarselError, type Audience, type Location, type OrgUnit } from '@varsel/shared';
import type { DirectoryStore } from '../store/directory-store.js';
import { OrgTree } from './org-tree.js';
import { KK_ORG_UNITS, loadKkLocations } from './kk-directory.js';

/** 5 s: a new org unit is usable within seconds on every process, without a read per request. */
const CACHE_MS = 5000;

/** Org units and locations as the rest of the server sees them, with audience resolution. */
export class Directory {
  private cached: { at: number; tree: OrgTree; units: OrgUnit[] } | undefined;

  constructor(private readonly store: DirectoryStore) {}

  /** Seeds KK's administrations and properties where they are missing. */
  async seedDefaults(): Promise<void> {
    await this.store.seed(KK_ORG_UNITS, loadKkLocations());
    this.cached = undefined;
  }

  async orgUnits(): Promise<OrgUnit[]> {
    return (await this.load()).units;
  }

  async locations(): Promise<Location[]> {
    return this.store.locations();
  }

  async assertOrgUnit(id: string): Promise<void> {
    if (!(await this.load()).tree.has(id)) throw new VarselError('UNKNOWN_ORG_UNIT', `Unknown org unit ${id}.`, { unknown: [id] });
  }

  async assertLocation(id: string): Promise<void> {
    if (!(await this.store.hasLocation(id))) throw new VarselError('UNKNOWN_LOCATION', `Unknown location ${id}.`, { unknown: [id] });
  }

  /** The org units an audience covers (with their descendants), or 'all'. Unknown units: 400. */
  async resolveAudience(audience: Audience): Promise<string[] | 'all'> {
    switch (audience.type) {
      case 'all':
        return 'all';
      case 'units': {
        const { tree } = await this.load();
        const unknown = tree.unknown(audience.units);
        if (unknown.length > 0) {
          throw new VarselError('UNKNOWN_ORG_UNIT', `Unknown org unit(s): ${unknown.join(', ')}.`, { unknown });
        }
        return tree.expand(audience.units);
      }
    }
  }

  private async load(): Promise<{ tree: OrgTree; units: OrgUnit[] }> {
    if (this.cached && Date.now() - this.cached.at < CACHE_MS) return this.cached;
    const units = (await this.store.orgUnits()).sort((a, b) => a.id.localeCompare(b.id, 'da'));
    this.cached = { at: Date.now(), tree: new OrgTree(units), units };
    return this.cached;
  }
}
