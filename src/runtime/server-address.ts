import { readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Where a running embedded server listens, written into its data folder: the CLI beside it (which
 * cannot open the folder the server holds) asks that server instead, and must find it even when it
 * was started on another port or host than the CLI's own configuration names.
 */
const fileOf = (dataDir: string): string => join(dataDir, 'server.json');

/** Records `url` as this process's address; returns the removal (on stop). */
export function recordServerAddress(dataDir: string, url: string): () => void {
  const file = fileOf(dataDir);
  // Written whole then renamed: a reader never sees half a file.
  writeFileSync(`${file}.tmp`, JSON.stringify({ pid: process.pid, url }));
  renameSync(`${file}.tmp`, file);
  return () => {
    if (recordedServerAddress(dataDir, process.pid) !== undefined) rmSync(file, { force: true });
  };
}

/** The address recorded by process `pid` (the data folder's lock holder), if that process recorded one. */
export function recordedServerAddress(dataDir: string, pid: number): string | undefined {
  try {
    const parsed = JSON.parse(readFileSync(fileOf(dataDir), 'utf8')) as { pid?: unknown; url?: unknown };
    return parsed.pid === pid && typeof parsed.url === 'string' ? parsed.url : undefined;
  } catch {
    return undefined; // none recorded (a server before this file, or not listening)
  }
}
