import type { LightMyRequestResponse } from 'fastify';
import { signWebhook } from '../../src/gateways/sign.ts';
import type { TestRastro } from './harness.ts';

/** A generic-gateway `order.paid` body paid now: one product at the order's amount unless `fields` say otherwise. */
export function genericOrderPaid(orderId: string, fields: Record<string, unknown> = {}): Record<string, unknown> {
  const amount = typeof fields.amount === 'number' ? fields.amount : 97;
  return {
    event_type: 'order.paid',
    order_id: orderId,
    status: 'approved',
    amount,
    currency: 'BRL',
    occurred_at: new Date().toISOString(),
    buyer: { email: 'buyer@example.com' },
    products: [{ id: 'course', quantity: 1, price: amount }],
    ...fields,
  };
}

/** Posts `payload` to a generic connection's webhook path (from its `webhook_url`), signed with `secret`. */
export function postGenericWebhook(
  t: TestRastro,
  path: string,
  payload: Record<string, unknown>,
  secret: string,
): Promise<LightMyRequestResponse> {
  const signed = signWebhook('generic', payload, secret);
  return t.inject({
    method: 'POST',
    url: path,
    headers: { ...(signed.headers as Record<string, string>), 'content-type': 'application/json' },
    payload: signed.rawBody,
  });
}
