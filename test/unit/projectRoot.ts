// The project root, whether a test runs from test/unit (tsx) or out/test/unit (compiled): out/ holds a
// copy of package.json, so the root is the folder that also has the manifest's translations.
import * as fs from 'node:fs';
import * as path from 'node:path';

function findRoot(dir: string): string {
  if (fs.existsSync(path.join(dir, 'package.nls.json')) && fs.existsSync(path.join(dir, 'package.json'))) return dir;
  if (path.dirname(dir) === dir) throw new Error('the project root (package.json with package.nls.json) was not found');
  return findRoot(path.dirname(dir));
}

/** Absolute path of the project root. */
export const projectRoot = findRoot(__dirname);
