import { startMetaEmulator, type MetaEmulator } from '../../src/emulators/meta/server.ts';
import { startTestRastro, type TestOptions, type TestRastro, type TestTenant } from './harness.ts';

export const PIXEL = '123456789012345';
export const TOKEN = 'EAAtesttoken1234567890';

export async function startEmulator(): Promise<MetaEmulator> {
  return startMetaEmulator({ tokens: { [TOKEN]: ['*'], EAAnewtoken0987654321: ['*'] } });
}

export async function addMetaDestination(
  t: TestRastro,
  tenant: TestTenant,
  config: Record<string, unknown> = {},
  extra: Record<string, unknown> = {},
): Promise<string> {
  const res = await t.call('POST', '/api/v1/destinations', tenant.keys.admin, {
    type: 'meta_capi',
    name: 'main pixel',
    config: { pixel_id: PIXEL, access_token: TOKEN, default_phone_region: 'BR', ...config },
    ...extra,
  });
  if (res.statusCode !== 201) throw new Error(`destination: ${res.statusCode} ${res.body}`);
  return (res.json() as { id: string }).id;
}

/** A website purchase that passes Meta's rules. */
export function purchase(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    event_name: 'purchase',
    url: 'https://shop.example.com/obrigado',
    user_agent: 'Mozilla/5.0 (X11; Linux x86_64) Chrome/120.0',
    ip: '203.0.113.7',
    user: { email: ' Maria.Silva@Example.com ', phone: '(11) 98765-4321', first_name: 'Maria', city: 'São Paulo' },
    value: 197,
    currency: 'BRL',
    order_id: `order-${Math.random().toString(36).slice(2)}`,
    ...overrides,
  };
}

/** A Rastro running its delivery workers against a fresh Meta emulator, one tenant sending to one pixel. */
export interface MetaRig {
  emulator: MetaEmulator;
  t: TestRastro;
  tenant: TestTenant;
  destinationId: string;
  close(): Promise<void>;
}

export async function startMetaRig(
  options: { tenant?: string; deliveryPolicy?: TestOptions['deliveryPolicy'] } = {},
): Promise<MetaRig> {
  const emulator = await startEmulator();
  const t = await startTestRastro({
    workers: true,
    env: { RASTRO_META_GRAPH_URL: emulator.url },
    ...(options.deliveryPolicy ? { deliveryPolicy: options.deliveryPolicy } : {}),
  });
  const tenant = await t.createTenant(options.tenant ?? 'shop');
  const destinationId = await addMetaDestination(t, tenant);
  return {
    emulator,
    t,
    tenant,
    destinationId,
    close: async () => {
      await t.close();
      await emulator.close();
    },
  };
}
