import type { PGlite } from '@electric-sql/pglite';
import pg from 'pg';

type Parser = PGlite['parsers'][number];

const INT8_OID = 20;
const NUMERIC_OID = 1700;
// Counts and sequence numbers fit in a double; returning numbers keeps both engines alike.
const toNumber = (v: string): number => Number(v);

/** What neither driver is left to decide: int8 and numeric as numbers. */
const NUMBER_PARSERS: Record<number, (v: string) => number> = { [INT8_OID]: toNumber, [NUMERIC_OID]: toNumber };

const INT8_ARRAY_OID = 1016;
type TypeId = Parameters<typeof pg.types.getTypeParser>[0];

/**
 * node-postgres' parser for a type: its defaults, but int8 and numeric (and int8 arrays, which it
 * leaves as strings) as numbers, as PGlite returns them.
 */
export function postgresTypeParser(oid: number, format?: 'text' | 'binary'): (v: string) => unknown {
  const number = NUMBER_PARSERS[oid];
  if (number) return number;
  if (oid === INT8_ARRAY_OID) {
    const strings = pg.types.getTypeParser(oid as TypeId, 'text') as (v: string) => (string | null)[];
    return (v) => strings(v).map((x) => (x === null ? null : Number(x)));
  }
  return pg.types.getTypeParser(oid as TypeId, format ?? 'text') as (v: string) => unknown;
}

/** bool, int4, int8, text, float8, numeric, timestamptz, uuid, jsonb, and the array type of each. */
const KEPT_OIDS = [16, 23, 20, 25, 701, 1700, 1184, 2950, 3802, 1000, 1007, 1016, 1009, 1022, 1231, 1185, 2951, 3807];

/**
 * Narrows a PGlite connection's type parsers to the ones Rastro needs, int8 and numeric decoding to
 * numbers as on PostgreSQL. PGlite (0.4) copies its
 * connection's parser map into a new object for every statement's result, and once open that map
 * holds 317 entries keyed by type oid (every array type in the catalog): measured ~117 KB of garbage
 * and ~80 µs of this process's CPU per statement, about half of a small statement's whole cost. At
 * 1,000 redirects/s that garbage alone meant a young-generation collection every ~100 ms and a major
 * one every few seconds.
 *
 * A type missing from the map still gets PGlite's default parser (its own fallback), so scalars
 * decode as before. Arrays need their entry, and the entry of their element type: kept for the
 * types Rastro reads, so an array of them decodes as node-postgres decodes it; an array of any
 * other type would arrive as PostgreSQL's text (Rastro reads none).
 */
export function narrowParsers(client: PGlite): void {
  const kept: Record<number, Parser> = {};
  for (const oid of KEPT_OIDS) {
    const parser = client.parsers[oid];
    if (parser) kept[oid] = parser;
  }
  client.parsers = { ...kept, ...NUMBER_PARSERS };
}
