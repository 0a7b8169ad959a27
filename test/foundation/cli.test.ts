import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ApiError, CliError, explainError } from '../../src/cli/errors.ts';
import { formatTable } from '../../src/cli/table.ts';
import { ConfigError } from '../../src/config/env.ts';
import { notFound } from '../../src/core/errors.ts';
import { freePort, spawned, type Run } from '../support/processes.ts';

const { rastro, serve } = spawned();

/** An expected error: exit 1, and exactly one line `rastro: …` matching `message` — no stack. */
function expectOneLineError(run: Run, message: RegExp): void {
  const context = `stdout: ${run.stdout}\nstderr: ${run.stderr}`;
  expect(run.stderr, context).not.toMatch(/^\s+at /m);
  expect(run.stderr.trimEnd().split('\n'), context).toHaveLength(1);
  expect(run.stderr, context).toMatch(/^rastro: /);
  expect(run.stderr, context).toMatch(message);
  expect(run.code, context).toBe(1);
}

const UUID = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';
const NO_TENANT = '00000000-0000-4000-8000-000000000000';

/** The errors a person makes, and what they must read; the same with or without a running server. */
async function expectArgumentErrors(env: Record<string, string>, tenantId: string): Promise<void> {
  const cases: [string[], RegExp][] = [
    [['keys', 'create', '--tenant', 'nope', '--scope', 'admin'], /--tenant must be a tenant id \(UUID\)/],
    [['keys', 'create', '--tenant', tenantId, '--scope', 'root'], /--scope must be one of admin, ingest/],
    [['tenants', 'create', ''], /<name> must not be empty/],
    [['keys', 'revoke', '--tenant', tenantId, 'abc'], /<keyId> must be a key id \(UUID\)/],
    [['keys', 'list', '--tenant', 'nope'], /--tenant must be a tenant id \(UUID\)/],
    [['ledger', 'verify', '--tenant', 'nope'], /--tenant must be a tenant id \(UUID\)/],
  ];
  const runs = await Promise.all(cases.map(([args]) => rastro(args, env)));
  runs.forEach((run, i) => expectOneLineError(run, cases[i]![1]));
}

/** `keys create`, `keys list` and `tenants list` for a person, and the same with --json for a program. */
async function expectHumanAndJsonOutput(env: Record<string, string>, tenantId: string, name: string): Promise<void> {
  const human = await rastro(['keys', 'create', '--tenant', tenantId, '--scope', 'ingest', '--name', 'web shop'], env);
  expect(human.code, human.stderr).toBe(0);
  expect(human.stdout).toMatch(
    new RegExp(
      `^Created ingest key "web shop" \\((${UUID})\\) for tenant ${tenantId}\\n {2}key {2}rst_ingest_\\S+\\n` +
        'The key is shown this once',
    ),
  );
  expect(human.stdout).not.toMatch(/[{}]/); // not an object dump
  const humanKeyId = new RegExp(`\\((${UUID})\\)`).exec(human.stdout)![1]!;

  const json = await rastro(['keys', 'create', '--tenant', tenantId, '--scope', 'admin', '--json'], env);
  expect(json.code, json.stderr).toBe(0);
  const made = JSON.parse(json.stdout) as Record<string, unknown>;
  expect(Object.keys(made).sort()).toEqual(['id', 'key', 'name', 'prefix', 'scope']);
  expect(made).toMatchObject({ scope: 'admin', name: '', key: expect.stringMatching(/^rst_admin_/) });

  const keyList = await rastro(['keys', 'list', '--tenant', tenantId], env);
  expect(keyList.code, keyList.stderr).toBe(0);
  const keyLines = keyList.stdout.trimEnd().split('\n');
  expect(keyLines[0]).toMatch(/^ID +SCOPE +NAME +PREFIX +CREATED +REVOKED$/);
  expect(keyLines).toHaveLength(5); // the header, the tenant's two keys and the two made above
  expect(keyList.stdout).not.toMatch(/['"│┌]|\(index\)/);
  expect(keyLines).toContainEqual(
    expect.stringMatching(
      new RegExp(
        `^${humanKeyId} +ingest +web shop +rst_ingest_\\S+ +\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d UTC +-$`,
      ),
    ),
  );
  // Every row's columns start where the header's do.
  const at = (line: string, column: string) => line.indexOf(column);
  for (const line of keyLines.slice(1)) expect(line.slice(at(keyLines[0]!, 'SCOPE'))).toMatch(/^(admin|ingest) /);
  const keyJson = await rastro(['keys', 'list', '--tenant', tenantId, '--json'], env);
  const keys = JSON.parse(keyJson.stdout) as Record<string, unknown>[];
  expect(keys).toHaveLength(4);
  expect(Object.keys(keys[0]!).sort()).toEqual(['created_at', 'id', 'name', 'prefix', 'revoked_at', 'scope']);

  const tenantList = await rastro(['tenants', 'list'], env);
  expect(tenantList.code, tenantList.stderr).toBe(0);
  const tenantLines = tenantList.stdout.trimEnd().split('\n');
  expect(tenantLines[0]).toMatch(/^ID +NAME +CREATED$/);
  expect(tenantLines[1]).toMatch(new RegExp(`^${tenantId} {2}${name} +\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d UTC$`));
  expect(tenantList.stdout).not.toMatch(/['"│┌]|\(index\)/);
  const tenantJson = await rastro(['tenants', 'list', '--json'], env);
  expect(tenantJson.stdout).toMatch(/^\[\n {2}\{\n {4}"id": /); // JSON.stringify(…, null, 2), as before
  expect(JSON.parse(tenantJson.stdout)).toEqual([
    { id: tenantId, name, created_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT[\d:.]+Z$/) },
  ]);
}

describe('rastro CLI', () => {
  it('reports bad arguments and refusals in one line, and prints tables for people, opening the folder itself', async () => {
    const env = { RASTRO_DATA_DIR: mkdtempSync(join(tmpdir(), 'rastro-cli-')), PORT: String(await freePort()) };
    const created = await rastro(['tenants', 'create', 'Acme', '--json'], env);
    expect(created.code, created.stderr).toBe(0);
    const tenant = JSON.parse(created.stdout) as { id: string };

    await expectArgumentErrors(env, tenant.id);
    // What the database refuses (one command at a time: each opens the folder).
    expectOneLineError(
      await rastro(['keys', 'create', '--tenant', NO_TENANT, '--scope', 'admin'], env),
      new RegExp(`tenant ${NO_TENANT} not found`),
    );
    expectOneLineError(
      await rastro(['keys', 'revoke', '--tenant', tenant.id, NO_TENANT], env),
      new RegExp(`active key ${NO_TENANT} not found`),
    );
    expectOneLineError(await rastro(['emulator', 'meta', '--port', 'abc'], env), /--port must be an integer/);
    expectOneLineError(await rastro(['simulate', '--visitors', 'abc'], env), /--visitors must be an integer/);

    await expectHumanAndJsonOutput(env, tenant.id, 'Acme');
  }, 300_000);

  it('does the same beside a running server, showing its error message rather than its body', async () => {
    const port = await freePort();
    const env = { PORT: String(port), RASTRO_DATA_DIR: mkdtempSync(join(tmpdir(), 'rastro-cli-beside-')) };
    const server = await serve(env);
    expect(server.output()).toContain('rastro listening');

    const created = await rastro(['tenants', 'create', 'Beside', '--json'], env);
    expect(created.code, created.stderr).toBe(0);
    const tenant = JSON.parse(created.stdout) as { id: string };

    await expectArgumentErrors(env, tenant.id);
    // What the server refuses (404s through the operator routes): its message, not `{"error":…}`.
    const refused = await Promise.all([
      rastro(['keys', 'create', '--tenant', NO_TENANT, '--scope', 'admin'], env),
      rastro(['keys', 'list', '--tenant', NO_TENANT], env),
      rastro(['keys', 'revoke', '--tenant', tenant.id, NO_TENANT], env),
      rastro(['ledger', 'verify', '--tenant', NO_TENANT], env),
    ]);
    for (const [i, run] of refused.entries()) {
      expectOneLineError(run, i === 2 ? new RegExp(`^rastro: active key ${NO_TENANT} not found$`, 'm') : /not found/);
      expect(run.stderr).not.toMatch(/[{}]|answered|\/api\/v1/);
    }

    await expectHumanAndJsonOutput(env, tenant.id, 'Beside');
    server.child.kill('SIGTERM');
  }, 300_000);

  it('describes every command, marks required options, and points to the help after a usage error', async () => {
    const commands = [
      ['serve'],
      ['migrate'],
      ['secret-key'],
      ['ledger', 'verify'],
      ['tenants', 'create'],
      ['tenants', 'list'],
      ['keys', 'create'],
      ['keys', 'list'],
      ['keys', 'revoke'],
      ['emulator', 'meta'],
      ['simulate'],
    ];
    const env = { RASTRO_DATA_DIR: mkdtempSync(join(tmpdir(), 'rastro-cli-help-')) };
    const helps = await Promise.all(commands.map((command) => rastro([...command, '--help'], env)));
    helps.forEach((help, i) => {
      expect(help.code).toBe(0);
      // `Usage: …`, a blank line, then the command's description.
      expect(help.stdout.split('\n')[2], `${commands[i]!.join(' ')} --help`).toMatch(/^[A-Z]\w+ .{10,}/);
    });
    const keysCreate = helps[commands.findIndex((c) => c.join(' ') === 'keys create')]!.stdout;
    // `help` names a nested command as `--help` does.
    expect((await rastro(['help', 'keys', 'create'], env)).stdout).toBe(keysCreate);
    expect(keysCreate).toMatch(/^Usage: rastro keys create --tenant <id> --scope <scope>/);
    expect(keysCreate).toMatch(/--tenant <id> .*\(required\)/);
    expect(keysCreate).toMatch(/--scope <scope> .*\(required\)/);
    expect(keysCreate).not.toMatch(/--name <name> .*\(required\)/);
    expect(helps[commands.findIndex((c) => c.join(' ') === 'keys list')]!.stdout).toMatch(
      /--tenant <id> .*\(required\)/,
    );

    const usageErrors: [string[], string[]][] = [
      [['tenant'], ["rastro: unknown command 'tenant'", '(Did you mean tenants?)', "See 'rastro --help'."]],
      [
        ['tenants', 'create'],
        ["rastro: missing required argument 'name'", "See 'rastro tenants create --help'."],
      ],
      [
        ['keys', 'list'],
        ["rastro: required option '--tenant <id>' not specified", "See 'rastro keys list --help'."],
      ],
      [
        ['keys', 'frob'],
        ["rastro: unknown command 'frob'", "See 'rastro keys --help'."],
      ],
      [
        ['help', 'bogus'],
        ["rastro: unknown command 'bogus'", "See 'rastro --help'."],
      ],
      [
        ['help', 'keys', 'frob'],
        ["rastro: unknown command 'frob'", "See 'rastro keys --help'."],
      ],
    ];
    const runs = await Promise.all(usageErrors.map(([args]) => rastro(args, env)));
    runs.forEach((run, i) => {
      expect(run.code).toBe(1);
      expect(run.stderr.trimEnd().split('\n')).toEqual(usageErrors[i]![1]);
    });
  }, 120_000);
});

describe('CLI errors and tables', () => {
  it('explains expected errors in one line and leaves a bug its stack', () => {
    expect(explainError(new CliError('--tenant must be a tenant id (UUID), not "x"'))).toBe(
      '--tenant must be a tenant id (UUID), not "x"',
    );
    expect(explainError(notFound('tenant t'))).toBe('tenant t not found');
    expect(explainError(new ApiError(404, 'tenant t not found'))).toBe('tenant t not found');
    expect(explainError(new ApiError(500, 'Internal Server Error'))).toBe(
      'the server failed (500): Internal Server Error',
    );
    expect(explainError(new ConfigError('PORT', 'Expected integer'))).toBe(
      'invalid configuration: PORT: Expected integer',
    );
    expect(explainError(new TypeError("Cannot read properties of undefined (reading 'id')"))).toBeUndefined();
  });

  it('aligns columns without quotes, an index column or a broken line', () => {
    expect(
      formatTable(
        ['ID', 'NAME'],
        [
          ['1', 'Ação "quoted"'],
          ['22', ''],
          ['3', 'two\nlines'],
        ],
      ),
    ).toBe('ID  NAME\n1   Ação "quoted"\n22  -\n3   two lines');
  });
});
