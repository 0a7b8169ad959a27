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

export function getDestinationDefinition(type: string): DestinationDefinition | undefined {
  return destinations[type];
}
