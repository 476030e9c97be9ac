import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';

/**
 * The repository root: the nearest folder above this file that holds a
 * package.json. The bench runs compiled from `.bench-build/bench/` as well as
 * from `bench/` under ts-node, so `__dirname` alone does not say where it is.
 */
function findRepoRoot(from: string): string {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    if (dirname(dir) === dir) throw new Error(`no package.json above ${from}`);
  }
}

export const REPO_ROOT = findRepoRoot(__dirname);
/** Where RESULTS.md and the chart are written by default. */
export const BENCH_DIR = join(REPO_ROOT, 'bench');
