/** Every gateway Rastro accepts webhooks from, by the id used in `/api/v1/webhooks/{id}/…`. */
import { appmax } from './appmax/index.ts';
import { braip } from './braip/index.ts';
import { generic } from './generic/index.ts';
import { hotmart } from './hotmart/index.ts';
import { kiwify } from './kiwify/index.ts';
import { perfectpay } from './perfectpay/index.ts';
import { shopify } from './shopify/index.ts';
import { stripe } from './stripe/index.ts';
import type { GatewayDefinition } from './types.ts';
import { woocommerce } from './woocommerce/index.ts';

export const gateways: Record<string, GatewayDefinition> = {
  hotmart,
  kiwify,
  stripe,
  perfectpay,
  appmax,
  braip,
  shopify,
  woocommerce,
  generic,
};

export const GATEWAY_IDS = Object.freeze(Object.keys(gateways));

/** The gateway with this id, or undefined (never a prototype property such as `constructor`). */
export function getGateway(id: string): GatewayDefinition | undefined {
  return Object.hasOwn(gateways, id) ? gateways[id] : undefined;
}
