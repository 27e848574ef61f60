// Run after `tsc` (npm run build / prepare): tsc writes files 0644, and npm only sometimes
// repairs the mode of the root package's own bin (it did in a fresh clone, not in a checkout
// whose node_modules/.package-lock.json was out of date), so `npx carry` could fail with
// "Permission denied". Every bin in package.json is made executable here, whatever npm does.
import { chmodSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const bins = typeof pkg.bin === 'string' ? [pkg.bin] : Object.values(pkg.bin ?? {});
for (const rel of bins) {
  const file = join(root, rel);
  let mode;
  try {
    mode = statSync(file).mode;
  } catch {
    console.error(`make-bins-executable: ${rel} (a bin in package.json) was not built`);
    process.exit(1);
  }
  // u+x, plus g+x / o+x wherever the file is readable by them.
  chmodSync(file, mode | 0o100 | ((mode & 0o040) >> 2) | ((mode & 0o004) >> 2));
}
