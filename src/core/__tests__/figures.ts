/**
 * Counts a spec reports for `make bench`: with DOCKERIZE_FIGURES_DIR set, `addFigures`
 * accumulates them in `<dir>/<group>.json` (the Python side's format, see
 * jupyterlab_dockerize/tests/figures.py). Unset, it does nothing.
 */
import * as fs from 'fs';
import * as path from 'path';

export function addFigures(
  group: string,
  counts: Record<string, number>
): void {
  const folder = process.env.DOCKERIZE_FIGURES_DIR;
  if (!folder) {
    return;
  }
  fs.mkdirSync(folder, { recursive: true });
  const file = path.join(folder, `${group}.json`);
  const stored: Record<string, number> = fs.existsSync(file)
    ? JSON.parse(fs.readFileSync(file, 'utf8'))
    : {};
  for (const [name, value] of Object.entries(counts)) {
    stored[name] = (stored[name] ?? 0) + value;
  }
  const temp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(temp, JSON.stringify(stored));
  fs.renameSync(temp, file);
}
