// What a build was made from: the hash of its input files (by path relative to the project and by
// content) and of the dependency versions, kept beside the output so `--if-stale` builds skip work.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT_DIR = dirname(dirname(dirname(fileURLToPath(import.meta.url))));

/** Every file under `dir`, sorted, recursively. */
export function filesUnder(dir) {
  return readdirSync(dir)
    .sort()
    .flatMap((name) => {
      const path = join(dir, name);
      return statSync(path).isDirectory() ? filesUnder(path) : [path];
    });
}

/** Hash of the files (their paths relative to the project and their bytes) and of package.json's dependencies. */
export function sourceHashOf(paths) {
  const hash = createHash('sha256');
  for (const path of paths) {
    hash.update(relative(ROOT_DIR, path));
    hash.update(readFileSync(path));
  }
  const pkg = JSON.parse(readFileSync(join(ROOT_DIR, 'package.json'), 'utf8'));
  hash.update(JSON.stringify({ ...pkg.dependencies, ...pkg.devDependencies }));
  return hash.digest('hex');
}
