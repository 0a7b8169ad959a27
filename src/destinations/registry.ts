import { metaCapiDestination } from './meta-capi/index.ts';
import type { DestinationDefinition } from './types.ts';

/**
 * Every destination type Rastro can deliver to, registered explicitly with its stable id.
 * Adding a platform: a folder under src/destinations/ and one line here.
 */
export const destinations: Record<string, DestinationDefinition> = {
  [metaCapiDestination.type]: metaCapiDestination as unknown as DestinationDefinition,
};

export const destinationTypes = (): string[] => Object.keys(destinations);

/** The definition of `type`; own entries only (`constructor`, `toString`… are not destination types). */
export function getDestinationDefinition(type: string): DestinationDefinition | undefined {
  return Object.hasOwn(destinations, type) ? destinations[type] : undefined;
}
