import type { Command } from 'commander';
import type { KeyScope } from '../../db/tables/foundation.ts';
import { createApiKey, KEY_SCOPES, listApiKeys, revokeApiKey, type CreatedKey } from '../../tenants/api-keys.ts';
import { requireTenant } from '../../tenants/tenants.ts';
import { choiceArgument, nameArgument, tenantIdArgument, uuidArgument } from '../arguments.ts';
import { formatTable, formatTime } from '../table.ts';
import { withDatabaseOrServer } from '../with-database.ts';

type KeyRow = Awaited<ReturnType<typeof listApiKeys>>[number];

/** The operator's route to a tenant's keys, for the CLI beside a running server. */
const keysPath = (tenantId: string): string => `/tenants/${encodeURIComponent(tenantId)}/keys`;

/** A new key for a person: the key itself, this once, and where it goes. */
const printCreated = (tenantId: string, key: CreatedKey): void => {
  const named = key.name ? ` ${JSON.stringify(key.name)}` : '';
  console.log(`Created ${key.scope} key${named} (${key.id}) for tenant ${tenantId}`);
  console.log(`  key  ${key.key}`);
  console.log(
    'The key is shown this once: store it now (keys list shows only its prefix). ' +
      (key.scope === 'admin'
        ? 'It signs in to the dashboard and calls the API.'
        : 'The browser snippet, /api/v1/track and bots send events with it.'),
  );
};

const printKeys = (tenantId: string, keys: KeyRow[]): void => {
  if (keys.length === 0) {
    console.log(`Tenant ${tenantId} has no keys.`);
    return;
  }
  console.log(
    formatTable(
      ['ID', 'SCOPE', 'NAME', 'PREFIX', 'CREATED', 'REVOKED'],
      keys.map((k) => [k.id, k.scope, k.name, k.prefix, formatTime(k.created_at), formatTime(k.revoked_at)]),
    ),
  );
};

export function registerKeyCommands(program: Command): void {
  const keys = program.command('keys').description("Manage a tenant's API keys");
  keys
    .command('create')
    .description('Create an API key for a tenant (the key is shown once)')
    .usage('--tenant <id> --scope <scope> [options]')
    .requiredOption('--tenant <id>', "the tenant's id, as tenants list shows it")
    .requiredOption('--scope <scope>', 'admin (dashboard and API) | ingest (events only)')
    .option('--name <name>', 'a label for the key (at most 200 characters)', '')
    .option('--json', 'print JSON')
    .action(async (opts: { tenant: string; scope: string; name: string; json?: boolean }) => {
      const tenantId = tenantIdArgument(opts.tenant);
      const scope = choiceArgument<KeyScope>('--scope', opts.scope, KEY_SCOPES);
      const name = nameArgument('--name', opts.name);
      const created = await withDatabaseOrServer(
        (db) =>
          db
            .transaction()
            .execute(async (trx) => createApiKey(trx, await requireTenant(trx, tenantId), scope, name, 'cli')),
        (api) => api<CreatedKey>('POST', keysPath(tenantId), { scope, name }),
      );
      if (opts.json) console.log(JSON.stringify(created, null, 2));
      else printCreated(tenantId, created);
    });
  keys
    .command('list')
    .description("List a tenant's API keys: their prefixes, never the keys")
    .usage('--tenant <id> [options]')
    .requiredOption('--tenant <id>', "the tenant's id, as tenants list shows it")
    .option('--json', 'print JSON')
    .action(async (opts: { tenant: string; json?: boolean }) => {
      const tenantId = tenantIdArgument(opts.tenant);
      const { items } = await withDatabaseOrServer(
        async (db) => ({ items: await listApiKeys(db, await requireTenant(db, tenantId)) }),
        (api) => api<{ items: KeyRow[] }>('GET', keysPath(tenantId)),
      );
      if (opts.json) console.log(JSON.stringify(items, null, 2));
      else printKeys(tenantId, items);
    });
  keys
    .command('revoke')
    .description('Revoke an API key: requests with it are refused from then on')
    .usage('--tenant <id> <keyId>')
    .argument('<keyId>', "the key's id, as keys list shows it")
    .requiredOption('--tenant <id>', "the tenant's id, as tenants list shows it")
    .action(async (rawKeyId: string, opts: { tenant: string }) => {
      const tenantId = tenantIdArgument(opts.tenant);
      const keyId = uuidArgument('<keyId>', 'a key id', rawKeyId);
      await withDatabaseOrServer(
        async (db) => revokeApiKey(db, await requireTenant(db, tenantId), keyId, 'cli'),
        (api) => api('DELETE', `${keysPath(tenantId)}/${encodeURIComponent(keyId)}`),
      );
      console.log(`revoked ${keyId}`);
    });
}
