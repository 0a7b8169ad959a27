/** Types of web/build.mjs for the TypeScript callers (the dashboard tests). */
export function sourceHash(): string;
export function isFresh(): boolean;
export function buildWeb(options?: { ifStale?: boolean; quiet?: boolean }): Promise<'fresh' | 'built' | 'skipped'>;
