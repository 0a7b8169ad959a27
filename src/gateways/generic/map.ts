/** Rastro generic webhook (./schema.ts) → GatewayConversion. */
import { Value } from '@sinclair/typebox/value';
import { RastroError, validationFailed, type FieldProblem } from '../../core/errors.ts';
import type { GatewayConversion, ParseResult } from '../types.ts';
import { buyer, parseDate, parseJsonObject, round } from '../common.ts';
import type { RawWebhook } from '../types.ts';
import { GenericWebhookSchema, type GenericWebhook } from './schema.ts';

const fieldOf = (path: string): string => path.replace(/^\//, '').replace(/\//g, '.') || 'body';

export function validateGeneric(body: unknown): GenericWebhook {
  if (!Value.Check(GenericWebhookSchema, body)) {
    const problems: FieldProblem[] = [...Value.Errors(GenericWebhookSchema, body)]
      .slice(0, 20)
      .map((error) => ({ field: fieldOf(error.path), problem: error.message }));
    throw validationFailed(problems.length > 0 ? problems : [{ field: 'body', problem: 'invalid' }]);
  }
  return body;
}

export function mapGeneric(webhook: RawWebhook): ParseResult {
  const body = validateGeneric(parseJsonObject(webhook, 'generic'));
  const occurredAt = parseDate(body.occurred_at);
  if (!occurredAt || !/^\d{4}-\d{2}-\d{2}T/.test(body.occurred_at)) {
    throw new RastroError('validation_failed', 'occurred_at: must be an ISO-8601 date-time');
  }
  const tracking = body.tracking ?? {};
  const raw: Record<string, string> = {};
  for (const [key, value] of Object.entries(tracking)) if (typeof value === 'string') raw[key] = value;
  const conversion: GatewayConversion = {
    eventType: body.event_type,
    orderId: body.order_id,
    status: body.status,
    amount: round(body.amount, 3),
    currency: body.currency.toUpperCase(),
    buyer: buyer({ ...body.buyer }),
    products: body.products.map((product) => ({ ...product })),
    occurredAt,
    isTest: body.is_test === true,
    tracking: { ...tracking, raw },
  };
  if (body.notification_id) conversion.notificationId = body.notification_id;
  if (body.payment_method) conversion.paymentMethod = body.payment_method;
  if (body.is_renewal !== undefined) conversion.isRenewal = body.is_renewal;
  if (body.subscription_id) conversion.subscriptionId = body.subscription_id;
  return { kind: 'conversion', conversion };
}
