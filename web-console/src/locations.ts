import type { Location } from '@varsel/shared';

/** How a location reads in lists: "Hvalen — Artillerivej 75 (BUF)"; parts the directory lacks are left out. */
export function locationLabel(location: Location): string {
  const address = location.address.trim();
  const administration = location.administration.trim();
  return `${location.name}${address ? ` — ${address}` : ''}${administration ? ` (${administration})` : ''}`;
}

function fold(text: string): string {
  return text.toLocaleLowerCase('da').normalize('NFC');
}

/**
 * The locations whose name, address, administration or id hold every word of the search, in the
 * order given (the server sorts by name). An empty search keeps them all.
 */
export function filterLocations(locations: readonly Location[], search: string): Location[] {
  const words = fold(search).split(/\s+/).filter(Boolean);
  if (words.length === 0) return [...locations];
  return locations.filter((l) => {
    const haystack = fold(`${l.name} ${l.address} ${l.administration} ${l.id}`);
    return words.every((w) => haystack.includes(w));
  });
}

/**
 * The options of the location select: the matches, plus the chosen location even when the search
 * hides it, so that filtering never changes what will be sent.
 */
export function locationOptions(locations: readonly Location[], search: string, selected: string): Location[] {
  const shown = filterLocations(locations, search);
  if (selected === '' || shown.some((l) => l.id === selected)) return shown;
  const chosen = locations.find((l) => l.id === selected);
  return chosen ? [chosen, ...shown] : shown;
}

/** Location names by id, for tables that hold ids; an id missing from the map is shown as it is. */
export function locationNames(locations: readonly Location[]): Map<string, string> {
  return new Map(locations.map((l) => [l.id, l.name]));
}
