import type { Command } from 'commander';
import { SecretBox } from '../../core/crypto/secret-box.ts';
import { migrateToLatest } from '../../db/migrator.ts';
import { verifyLedger } from '../../ledger/verify.ts';
import { requireTenant } from '../../tenants/tenants.ts';
import { tenantIdArgument } from '../arguments.ts';
import { withDatabase, withDatabaseOrServer } from '../with-database.ts';

export function registerDbCommands(program: Command): void {
  program
    .command('migrate')
    .description('Apply pending database migrations')
    .action(() =>
      withDatabase(async (db) => {
        const applied = await migrateToLatest(db);
        console.log(applied.length ? `applied: ${applied.join(', ')}` : 'database is up to date');
      }),
    );

  program
    .command('secret-key')
    .description('Print a new random RASTRO_SECRET_KEY')
    .action(() => console.log(SecretBox.generateKey()));

  const ledger = program.command('ledger').description('Audit ledger: the hash-chained record of every change');
  ledger
    .command('verify')
    .description("Recompute every tenant's hash chain; exits 1 when one is broken")
    .option('--tenant <id>', 'only this tenant (its id)')
    .action(async (opts: { tenant?: string }) => {
      const only = opts.tenant === undefined ? undefined : tenantIdArgument(opts.tenant);
      // Every tenant (or the one named), verified one after the other, wherever the checks run.
      const verifyEach = async (all: () => Promise<string[]>, verify: (tenantId: string) => Promise<TenantReport>) => {
        const out: TenantReport[] = [];
        for (const tenantId of only ? [only] : await all()) out.push(await verify(tenantId));
        return out;
      };
      const reports = await withDatabaseOrServer(
        (db) =>
          verifyEach(
            async () => (await db.selectFrom('tenants').select('tenant_id').execute()).map((t) => t.tenant_id),
            // A tenant named that does not exist is an error, as through the server's route.
            async (tenantId) => verifyLedger(db, only ? await requireTenant(db, tenantId) : tenantId),
          ),
        // Beside a running embedded server: the same check through its operator routes.
        (api) =>
          verifyEach(
            async () => (await api<{ items: { id: string }[] }>('GET', '/tenants')).items.map((t) => t.id),
            async (tenantId) => ({
              tenant_id: tenantId,
              ...(await api<Omit<TenantReport, 'tenant_id'>>(
                'GET',
                `/tenants/${encodeURIComponent(tenantId)}/ledger/verify`,
              )),
            }),
          ),
      );
      for (const report of reports) {
        if (report.ok) console.log(`ok      ${report.tenant_id}  ${report.entries} entries`);
        else console.log(`BROKEN  ${report.tenant_id}  at entry ${report.broken_at}: ${report.problem}`);
      }
      if (reports.some((r) => !r.ok)) process.exitCode = 1;
    });
}

type TenantReport = Awaited<ReturnType<typeof verifyLedger>>;
