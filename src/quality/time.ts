/** Hour arithmetic and UUIDv7 bounds: events and deliveries have time-ordered ids (src/core/ids.ts). */
export const HOUR_MS = 3_600_000;
export const DAY_MS = 24 * HOUR_MS;

export const floorHour = (t: Date | number): Date => {
  const ms = typeof t === 'number' ? t : t.getTime();
  return new Date(ms - (((ms % HOUR_MS) + HOUR_MS) % HOUR_MS));
};

export const floorDay = (t: Date | number): Date => {
  const ms = typeof t === 'number' ? t : t.getTime();
  return new Date(ms - (((ms % DAY_MS) + DAY_MS) % DAY_MS));
};

/**
 * The smallest UUIDv7 of a millisecond: ids minted at or after `ms` compare greater or equal, so a
 * time range becomes a primary-key range on `(tenant_id, id)`.
 */
export function uuidV7Floor(ms: number): string {
  const hex = Math.max(0, Math.floor(ms)).toString(16).padStart(12, '0').slice(-12);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-0000-0000-000000000000`;
}
