import { timingSafeEqual } from 'node:crypto';
import { Type } from '@sinclair/typebox';
import { RastroError } from '../core/errors.ts';
import { sha256Hex } from '../core/hash.ts';
import { storableDeep } from '../core/storable.ts';
import { newId } from '../core/ids.ts';
import { getGateway } from '../gateways/registry.ts';
import type { GatewayConversion, RawWebhook } from '../gateways/types.ts';
import { hashUser } from '../identity/hash-user.ts';
import { errorResponses, type RouteModule } from '../http/types.ts';
import { findConnectionForWebhook } from './connections.ts';

const sameHash = (a: string, b: string) => timingSafeEqual(Buffer.from(a, 'hex'), Buffer.from(b, 'hex'));

/** The mapped conversion as stored: buyer identifiers hashed here, at the edge. */
function draftOf(conversion: GatewayConversion): Record<string, unknown> {
  const country = conversion.buyer.country;
  return {
    ...conversion,
    occurredAt: conversion.occurredAt.toISOString(),
    buyer: hashUser(conversion.buyer, typeof country === 'string' ? { defaultPhoneRegion: country } : {}),
  };
}

/**
 * Receiving a gateway webhook: authenticate the sender on the raw bytes, map it, hash the buyer,
 * store the sealed raw body and the hashed draft, answer. Conversion life-cycle, matching and
 * delivery follow from the committed receipt (src/conversions/process.ts), never inline.
 */
export const webhookRoutes: RouteModule = (ctx) => async (app) => {
  // Bytes in, whatever the content type: signatures are over the raw body, and a body that does
  // not parse is the gateway's problem to report (400), not Fastify's.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (request, body, done) => {
    request.rawBody = body as Buffer;
    done(null, body);
  });

  app.post(
    '/webhooks/:gateway/:connection_id',
    {
      config: { auth: 'public' },
      compress: false,
      schema: {
        tags: ['gateways'],
        summary: 'Webhook receiver for a gateway connection (authenticated by the sender signature)',
        params: Type.Object({ gateway: Type.String(), connection_id: Type.String({ format: 'uuid' }) }),
        querystring: Type.Object({ rst: Type.Optional(Type.String()) }, { additionalProperties: true }),
        response: {
          200: Type.Object({ status: Type.String(), receipt_id: Type.Optional(Type.String()) }),
          ...errorResponses(400, 401, 404),
        },
      },
    },
    async (request) => {
      const { gateway: gatewayId, connection_id: connectionId } = request.params;
      const gateway = getGateway(gatewayId);
      const connection = gateway ? await findConnectionForWebhook(ctx.db, gatewayId, connectionId) : undefined;
      if (!gateway || !connection) throw new RastroError('not_found', `no ${gatewayId} connection ${connectionId}`);
      // From here on failures are the tenant's to see: the error handler keeps them in rejected_requests.
      request.auth = { tenantId: connection.tenant_id, keyId: `webhook:${connectionId}`, scope: 'ingest' };

      const rawBody = request.rawBody ?? Buffer.alloc(0);
      const webhook: RawWebhook = {
        rawBody,
        headers: Object.fromEntries(
          Object.entries(request.headers).map(([k, v]) => [k.toLowerCase(), Array.isArray(v) ? v.join(',') : v]),
        ),
        query: request.query as Record<string, string | undefined>,
      };
      if (gateway.auth !== 'hmac') {
        const given = request.query.rst;
        if (!given || !sameHash(sha256Hex(given), connection.url_secret_hash)) {
          throw new RastroError('invalid_signature', 'missing or wrong `rst` URL secret for this connection');
        }
      }
      const secret = ctx.secrets.open(connection.secret_sealed, connection.tenant_id);
      const verdict =
        gateway.auth === 'url_secret' ? { ok: true as const } : gateway.verify(webhook, secret, new Date());
      if (!verdict.ok) throw new RastroError('invalid_signature', `${gatewayId} signature rejected: ${verdict.reason}`);

      // A gateway's text may hold what PostgreSQL cannot store (NUL, a lone surrogate): stored
      // replaced, never refused, or the gateway would retry a sale forever. The raw body stays intact.
      const parsed = storableDeep(gateway.parse(webhook));
      if (parsed.kind === 'ping') return { status: 'ping' };
      const receiptId = newId();
      const isConversion = parsed.kind === 'conversion';
      const inserted = await ctx.db
        .insertInto('webhook_receipts')
        .values({
          tenant_id: connection.tenant_id,
          receipt_id: receiptId,
          connection_id: connectionId,
          gateway: gatewayId,
          status: isConversion ? 'received' : 'ignored',
          event_type: parsed.kind === 'conversion' ? parsed.conversion.eventType : parsed.eventType,
          order_id: isConversion ? parsed.conversion.orderId : null,
          body_sha256: sha256Hex(rawBody),
          body_sealed: ctx.secrets.seal(rawBody, connection.tenant_id),
          draft: isConversion ? JSON.stringify(draftOf(parsed.conversion)) : null,
          error: parsed.kind === 'ignored' ? parsed.reason : null,
        })
        .onConflict((oc) => oc.columns(['tenant_id', 'connection_id', 'body_sha256']).doNothing())
        .returning('receipt_id')
        .executeTakeFirst();
      if (!inserted) return { status: 'duplicate' };
      return { status: isConversion ? 'received' : 'ignored', receipt_id: receiptId };
    },
  );
};
