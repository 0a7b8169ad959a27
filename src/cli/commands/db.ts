import type { Command } from 'commander';
import { SecretBox } from '../../core/crypto/secret-box.ts';
import { migrateToLatest } from '../../db/migrator.ts';
import { verifyLedger } from '../../ledger/verify.ts';
import { withDatabase } from '../with-database.ts';

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

  const ledger = program.command('ledger').description('Audit ledger');
  ledger
    .command('verify')
    .description("Recompute every tenant's hash chain; exits 1 when one is broken")
    .option('--tenant <id>', 'only this tenant')
    .action((opts: { tenant?: string }) =>
      withDatabase(async (db) => {
        const tenants = opts.tenant
          ? [opts.tenant]
          : (await db.selectFrom('tenants').select('tenant_id').execute()).map((t) => t.tenant_id);
        let broken = 0;
        for (const tenantId of tenants) {
          const report = await verifyLedger(db, tenantId);
          if (report.ok) console.log(`ok      ${tenantId}  ${report.entries} entries`);
          else {
            broken += 1;
            console.log(`BROKEN  ${tenantId}  at entry ${report.broken_at}: ${report.problem}`);
          }
        }
        if (broken > 0) process.exitCode = 1;
      }),
    );
}
