/** Valid Conversions API payload pieces, for the emulator's tests and for demos that need a sample. */
import { createHash } from 'node:crypto';

export const sha256 = (value: string): string => createHash('sha256').update(value).digest('hex');

export const nowSeconds = (): number => Math.floor(Date.now() / 1000);

/** A website Purchase that satisfies every rule the emulator enforces. */
export function validEvent(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    event_name: 'Purchase',
    event_time: nowSeconds() - 30,
    event_id: 'order-1001',
    action_source: 'website',
    event_source_url: 'https://shop.example.com/checkout/thanks',
    user_data: {
      em: [sha256('buyer@example.com')],
      ph: [sha256('5511999998888')],
      client_ip_address: '203.0.113.7',
      client_user_agent: 'Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0',
      fbc: 'fb.1.1700000000000.IwAR2F4-dbP0l7Mn1IawQQGCINEz7PYXQvwjNwB',
      fbp: 'fb.1.1700000000000.1098115397',
    },
    custom_data: { value: 197.9, currency: 'BRL' },
    ...overrides,
  };
}

/** validEvent() with some user_data keys replaced (a key set to undefined is removed). */
export function withUserData(userData: Record<string, unknown>, overrides: Record<string, unknown> = {}) {
  const event = validEvent(overrides);
  const merged: Record<string, unknown> = { ...(event.user_data as Record<string, unknown>), ...userData };
  for (const key of Object.keys(merged)) if (merged[key] === undefined) delete merged[key];
  return { ...event, user_data: merged };
}

/** Loose view of any JSON answer of the emulator (Graph success or error, or a control endpoint), for tests. */
export interface GraphAnswer {
  events_received: number;
  messages: string[];
  fbtrace_id: string;
  error: {
    message: string;
    type: string;
    code: number;
    error_subcode?: number;
    is_transient: boolean;
    error_user_title?: string;
    error_user_msg: string;
    fbtrace_id: string;
  };
  count: number;
  events: Array<Record<string, unknown>>;
  requests: Array<Record<string, unknown>>;
  faults: Array<Record<string, unknown>>;
}
