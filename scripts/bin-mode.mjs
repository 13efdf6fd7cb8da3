// Makes the package's bins executable: tsc writes every file 0644, and `npx nlkit` (or a
// linked bin) then fails with "Permission denied". Run after every compile.
import { chmodSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { bin } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
for (const file of Object.values(bin)) {
  const path = join(root, file);
  chmodSync(path, statSync(path).mode | 0o111);
}
