/** Types of scripts/build-server.mjs for the TypeScript callers (the bundle's test). */
export const SERVER_BUNDLE: string;
export function freshServerBundle(): string | null;
export function buildServer(options?: { ifStale?: boolean; quiet?: boolean }): Promise<'fresh' | 'built' | 'skipped'>;
