import type { Command } from 'commander';
import { createTenant, listTenants } from '../../tenants/tenants.ts';
import { nameArgument } from '../arguments.ts';
import { formatTable, formatTime } from '../table.ts';
import { withDatabaseOrServer } from '../with-database.ts';

/** A new tenant for a person: its keys (shown this once) and what each is for. */
const printCreated = (tenant: { id: string; name: string; keys: { admin: string; ingest: string } }): void => {
  console.log(`Created tenant ${JSON.stringify(tenant.name)} (${tenant.id})`);
  console.log(`  admin key   ${tenant.keys.admin}`);
  console.log(`  ingest key  ${tenant.keys.ingest}`);
  console.log(
    'The keys are shown this once. Sign in to the dashboard and call the API with the admin key; ' +
      'the browser snippet, /api/v1/track and bots use the ingest key.',
  );
};

type TenantRow = Awaited<ReturnType<typeof listTenants>>[number];

const printTenants = (tenants: TenantRow[]): void => {
  if (tenants.length === 0) {
    console.log('No tenants yet: rastro tenants create <name> makes one.');
    return;
  }
  console.log(
    formatTable(
      ['ID', 'NAME', 'CREATED'],
      tenants.map((t) => [t.id, t.name, formatTime(t.created_at)]),
    ),
  );
};

export function registerTenantCommands(program: Command): void {
  const tenants = program.command('tenants').description('Manage tenants');
  tenants
    .command('create')
    .description('Create a tenant with an admin and an ingest key (shown once)')
    .argument('<name>', "the tenant's name (1 to 200 characters)")
    .option('--json', 'print JSON')
    .action(async (rawName: string, opts: { json?: boolean }) => {
      const name = nameArgument('<name>', rawName, { required: true });
      const tenant = await withDatabaseOrServer(
        (db) => createTenant(db, name, 'cli'),
        (api) => api<Awaited<ReturnType<typeof createTenant>>>('POST', '/tenants', { name }),
      );
      if (opts.json) console.log(JSON.stringify(tenant, null, 2));
      else printCreated(tenant);
    });
  tenants
    .command('list')
    .description('List the tenants: id, name and when each was created')
    .option('--json', 'print JSON')
    .action(async (opts: { json?: boolean }) => {
      const { items } = await withDatabaseOrServer(
        async (db) => ({ items: await listTenants(db) }),
        (api) => api<{ items: TenantRow[] }>('GET', '/tenants'),
      );
      if (opts.json) console.log(JSON.stringify(items, null, 2));
      else printTenants(items);
    });
}
