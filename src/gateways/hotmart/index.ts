/**
 * Hotmart: the sender proves itself with the account's static "hottok", sent in the
 * `X-HOTMART-HOTTOK` header. There is no body signature. Version 1.0.0 postbacks carried it only in
 * the body (`hottok`), so the body is accepted for those; 2.0.0 must send the header.
 */
import { header, str, tryParseJsonOrForm } from '../common.ts';
import { verifyStaticToken } from '../signatures.ts';
import type { GatewayDefinition } from '../types.ts';
import { HOTMART_EVENT_STATUS, mapHotmart } from './map.ts';

export const hotmart: GatewayDefinition = {
  id: 'hotmart',
  label: 'Hotmart',
  auth: 'static_token',
  eventTypes: Object.keys(HOTMART_EVENT_STATUS),
  verify(webhook, secret) {
    if (!secret) return { ok: false, reason: 'no hottok configured' };
    let received = header(webhook, 'x-hotmart-hottok');
    if (!received) {
      const body = tryParseJsonOrForm(webhook);
      const version = str(body?.version);
      if (body && !version?.startsWith('2')) received = str(body.hottok);
    }
    if (!received) return { ok: false, reason: 'missing X-HOTMART-HOTTOK header' };
    return verifyStaticToken(secret, received) ? { ok: true } : { ok: false, reason: 'hottok mismatch' };
  },
  parse: mapHotmart,
};
