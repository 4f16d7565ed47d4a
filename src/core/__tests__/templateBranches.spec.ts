/**
 * A template is one module (src/core/templates/<id>.ts): code elsewhere asks the registry
 * (supportsWheelhouse, needsBaseImage, …) instead of comparing a template's name. This
 * guard looks for lines that name a template and quote a template id outside the
 * registry. It is a heuristic (a line must say "template"), meant to catch the common
 * `form.template === 'conda'`.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

import { TEMPLATE_IDS } from '../templates';

const SRC = path.join(__dirname, '..', '..');

function sources(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap(entry => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      return entry.name === '__tests__' ? [] : sources(full);
    }
    return /\.tsx?$/.test(entry.name) ? [full] : [];
  });
}

const QUOTED_ID = new RegExp(
  `['"\`](${TEMPLATE_IDS.map(id => id.replace(/[-]/g, '\\-')).join('|')})['"\`]`
);

/** `file:line: text` for each line that names a template and quotes a template id. */
function templateBranches(files: string[]): string[] {
  const found: string[] = [];
  for (const file of files) {
    const relative = path.relative(SRC, file).split(path.sep).join('/');
    if (relative.startsWith('core/templates/')) {
      continue;
    }
    fs.readFileSync(file, 'utf8')
      .split('\n')
      .forEach((line, index) => {
        if (/template/i.test(line) && QUOTED_ID.test(line)) {
          found.push(`${relative}:${index + 1}: ${line.trim()}`);
        }
      });
  }
  return found;
}

describe('template branches', () => {
  it('are in the template modules only', () => {
    expect(templateBranches(sources(SRC))).toEqual([]);
  });

  it('are found where a line compares a template with an id', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'template-branches-'));
    try {
      const file = path.join(dir, 'probe.ts');
      fs.writeFileSync(
        file,
        "const a = form.template === 'conda';\nconst b = 'conda';\nconst c = template.id;\n"
      );
      expect(templateBranches([file]).map(hit => hit.split(': ')[1])).toEqual([
        "const a = form.template === 'conda';"
      ]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
