import { readFileSync } from 'node:fs';
import type { Location, OrgUnit } from '@varsel/shared';
import { repoPath } from '../paths.js';

/**
 * KK's seven administrations (forvaltninger) and the units below them that the first fleet is
 * enrolled into. Seeded on first start; the audience of an alert is any set of these, each with
 * the units below it.
 */
export const KK_ORG_UNITS: readonly OrgUnit[] = [
  { id: 'ØKF', name: 'Økonomiforvaltningen' },
  { id: 'KIT', name: 'Koncern IT', parent: 'ØKF' },
  { id: 'BUF', name: 'Børne- og Ungdomsforvaltningen' },
  { id: 'BUF-SKOLER', name: 'Skoler', parent: 'BUF' },
  { id: 'BUF-DAGTILBUD', name: 'Dagtilbud', parent: 'BUF' },
  { id: 'SUF', name: 'Sundheds- og Omsorgsforvaltningen' },
  { id: 'SUF-HJEMMEPLEJE', name: 'Hjemmeplejen', parent: 'SUF' },
  { id: 'SUF-PLEJEHJEM', name: 'Plejehjem', parent: 'SUF' },
  { id: 'SOF', name: 'Socialforvaltningen' },
  { id: 'SOF-BOSTEDER', name: 'Botilbud', parent: 'SOF' },
  { id: 'KFF', name: 'Kultur- og Fritidsforvaltningen' },
  { id: 'KFF-BIBLIOTEKER', name: 'Biblioteker', parent: 'KFF' },
  { id: 'TMF', name: 'Teknik- og Miljøforvaltningen' },
  { id: 'TMF-DRIFT', name: 'Drift og vedligehold', parent: 'TMF' },
  { id: 'BIF', name: 'Beskæftigelses- og Integrationsforvaltningen' },
  { id: 'BIF-JOBCENTER', name: 'Jobcenter København', parent: 'BIF' },
];

/** "Amager Fælled Skole" -> "amager-faelled-skole". */
export function slug(text: string): string {
  return text
    .toLowerCase()
    .replace(/æ/g, 'ae')
    .replace(/ø/g, 'oe')
    .replace(/å/g, 'aa')
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 80);
}

/** Parses the KK property list (address,administration,name). Names repeat, so ids take a suffix. */
export function parseLocationsCsv(csv: string): Location[] {
  const lines = csv.split(/\r?\n/).filter((l) => l.trim() !== '');
  const header = lines.shift();
  if (header?.trim() !== 'address,administration,name') {
    throw new Error(`kk-locations.csv: expected header "address,administration,name", got ${JSON.stringify(header)}`);
  }
  const seen = new Set<string>();
  return lines.map((line, i) => {
    const [address, administration, ...rest] = line.split(',');
    const name = rest.join(',').trim();
    if (!address || !administration || !name) throw new Error(`kk-locations.csv line ${i + 2}: expected three fields`);
    let id = slug(name);
    for (let n = 2; seen.has(id); n++) id = `${slug(name)}-${n}`;
    seen.add(id);
    return { id, name, address: address.trim(), administration: administration.trim() };
  });
}

export function loadKkLocations(): Location[] {
  const file = repoPath('server/fixtures/kk-locations.csv');
  return parseLocationsCsv(readFileSync(file, 'utf8'));
}
