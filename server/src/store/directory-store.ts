import type { Location, OrgUnit } from '@varsel/shared';
import type { Keys } from './keys.js';
import type { Redis } from './redis.js';

/** Org units and locations. Small (about 1,100 locations), so reads take the whole hash. */
export class DirectoryStore {
  constructor(
    private readonly redis: Redis,
    private readonly keys: Keys,
  ) {}

  /** Adds the entries that are missing; existing ones are left as they are. */
  async seed(units: readonly OrgUnit[], locations: readonly Location[]): Promise<void> {
    const pipe = this.redis.pipeline();
    for (const u of units) pipe.hsetnx(this.keys.orgUnits, u.id, JSON.stringify(u));
    for (const l of locations) pipe.hsetnx(this.keys.locations, l.id, JSON.stringify(l));
    await pipe.exec();
  }

  async orgUnits(): Promise<OrgUnit[]> {
    const h = await this.redis.hgetall(this.keys.orgUnits);
    return Object.values(h).map((j) => JSON.parse(j) as OrgUnit);
  }

  async locations(): Promise<Location[]> {
    const h = await this.redis.hgetall(this.keys.locations);
    return Object.values(h)
      .map((j) => JSON.parse(j) as Location)
      .sort((a, b) => a.name.localeCompare(b.name, 'da'));
  }

  async hasLocation(id: string): Promise<boolean> {
    return (await this.redis.hexists(this.keys.locations, id)) === 1;
  }
}
