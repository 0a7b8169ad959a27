import { STANDARD_EVENTS } from './canonical.ts';

const META_TO_RASTRO = new Map<string, string>(Object.entries(STANDARD_EVENTS).map(([rastro, meta]) => [meta, rastro]));
const ALIASES: Record<string, string> = { pageview: 'page_view' };

/** Rastro's snake_case name for an input name: standard names and Meta's names map, custom names stay. */
export function canonicalEventName(name: string): string {
  const trimmed = name.trim();
  if (trimmed in STANDARD_EVENTS) return trimmed;
  const lower = trimmed.toLowerCase();
  if (ALIASES[lower]) return ALIASES[lower];
  if (lower in STANDARD_EVENTS) return lower;
  return META_TO_RASTRO.get(trimmed) ?? trimmed;
}
