import { sql, type Kysely } from 'kysely';

/**
 * Runs a DDL script one statement at a time (PGlite's extended protocol takes one statement per
 * query). Statements are separated by a semicolon at the end of a line.
 */
export async function runDdl(db: Kysely<unknown>, script: string): Promise<void> {
  const statements = script
    .split(/;\s*$/m)
    .map((s) => s.replace(/^\s*--.*$/gm, '').trim())
    .filter(Boolean);
  for (const statement of statements) await sql.raw(statement).execute(db);
}
