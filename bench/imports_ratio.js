// Runs the real TypeScript core (compiled by tsconfig.bench.json) on a captured snapshot:
// how many packages "only what the notebook imports" keeps, against "everything installed".
//   node bench/imports_ratio.js SNAPSHOT.json CELLS.json  → JSON on stdout
const fs = require('fs');
const path = require('path');

const core = path.resolve(__dirname, '..', '.bench-build', 'core');
const { parseSnapshot } = require(
  path.join(core, 'environment', 'snapshotParse.js')
);
const { findImports } = require(path.join(core, 'imports', 'importScanner.js'));
const { resolveImports } = require(
  path.join(core, 'imports', 'importResolution.js')
);
const { translateRequirements } = require(
  path.join(core, 'requirements', 'requirements.js')
);

const [snapshotFile, cellsFile] = process.argv.slice(2);
const snapshot = parseSnapshot(
  JSON.parse(fs.readFileSync(snapshotFile, 'utf-8'))
);
const cells = JSON.parse(fs.readFileSync(cellsFile, 'utf-8'));

const kept = plan => plan.entries.filter(entry => entry.line !== null);
const all = kept(translateRequirements(snapshot));
const resolution = resolveImports(findImports(cells), snapshot);
const imported = kept(
  translateRequirements(snapshot, { only: new Set(resolution.distributions) })
);

process.stdout.write(
  JSON.stringify({
    installed: snapshot.distributions.length,
    allModeLines: all.length,
    importsModeLines: imported.length,
    importsModePackages: imported.map(entry => entry.name),
    roots: resolution.distributions
  })
);
