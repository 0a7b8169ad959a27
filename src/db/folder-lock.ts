import { readFileSync, rmSync, writeFileSync } from 'node:fs';

/**
 * One process per embedded data folder. PGlite has no postmaster lock of its own: a second process
 * (the CLI while `npm start` runs, a second `npm start`) would open the same files as another
 * PostgreSQL, see none of the first one's writes and overwrite them. The lock is a file beside the
 * folder naming its process and boot; it is stale, and taken over, once that process is gone (a
 * crash, a kill) or the machine rebooted, so a restart never waits for it.
 *
 * Written here rather than with a lock library: those judge staleness by a timestamp the holder keeps
 * fresh (seconds to wait after a kill, and a lock lost when the event loop stalls longer); a process
 * id on one machine answers at once. An embedded folder is always on the machine that runs it.
 */
export class DataFolderInUseError extends Error {
  constructor(
    readonly folder: string,
    readonly pid: number,
  ) {
    super(
      `the embedded database in ${folder} is in use by another Rastro process (pid ${pid}): stop it first, ` +
        `or use that server's API (e.g. POST /api/v1/tenants with the operator token)`,
    );
    this.name = 'DataFolderInUseError';
  }
}

interface Holder {
  pid: number;
  boot?: string;
}

const bootId = (): string | undefined => {
  try {
    return readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
  } catch {
    return undefined; // not Linux: the process id alone decides
  }
};

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'; // exists, another user's
  }
};

const holderOf = (path: string): Holder | undefined => {
  try {
    const parsed = JSON.parse(readFileSync(path, 'utf8')) as Holder;
    return Number.isInteger(parsed.pid) ? parsed : undefined;
  } catch {
    return undefined; // unreadable or half-written: treated as stale
  }
};

/** Takes the lock of `folder` for this process; returns its release. */
export function lockDataFolder(folder: string): () => void {
  const path = `${folder}.lock`;
  const boot = bootId();
  const mine = JSON.stringify({ pid: process.pid, boot, since: new Date().toISOString() });
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      writeFileSync(path, mine, { flag: 'wx' });
      return () => {
        if (holderOf(path)?.pid === process.pid) rmSync(path, { force: true });
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const holder = holderOf(path);
    // Another live process of this boot holds it. The same pid is this process's earlier
    // incarnation (a container restarted as pid 1) or an unclosed handle of its own.
    if (holder && holder.pid !== process.pid && holder.boot === boot && alive(holder.pid)) {
      throw new DataFolderInUseError(folder, holder.pid);
    }
    rmSync(path, { force: true });
  }
  throw new Error(`could not take the lock ${path}`);
}
