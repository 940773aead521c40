#!/usr/bin/env node
// The type-check budget: type-checks one fixed client file (packages/client/type-budget/fixture.ts:
// get / list with includes, where and orderBy against the demo router) and compares its
// instantiation count (tsc --extendedDiagnostics) with packages/client/type-budget.json.
// Fails when it grows by more than the budget's `maxGrowth` (10%), or when the fixture does not
// compile. The count is deterministic for one TypeScript version and the same sources, so a
// different TypeScript version than the recorded one fails too: re-record on purpose.
//   node scripts/check-type-budget.mjs            check
//   node scripts/check-type-budget.mjs --update   record the current count as the budget
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const client = path.join(root, 'packages/client');
const budgetFile = path.join(client, 'type-budget.json');
const require = createRequire(path.join(client, 'package.json'));
const tsc = require.resolve('typescript/bin/tsc');
const version = require('typescript/package.json').version;

let out;
try {
  out = execFileSync(process.execPath, [tsc, '--noEmit', '--extendedDiagnostics', '-p', 'type-budget'], {
    cwd: client,
    encoding: 'utf8',
  });
} catch (e) {
  process.stdout.write(e.stdout ?? '');
  console.error('type budget: the fixture does not compile (packages/client/type-budget/fixture.ts)');
  process.exit(1);
}
const stat = (name) => {
  const m = new RegExp(`^${name}:\\s+([\\d.]+)`, 'm').exec(out);
  if (!m) throw new Error(`no "${name}" in tsc's diagnostics`);
  return Number(m[1]);
};
const now = { instantiations: stat('Instantiations'), types: stat('Types'), checkTime: stat('Check time') };

if (process.argv.includes('--update')) {
  const previous = fs.existsSync(budgetFile) ? JSON.parse(fs.readFileSync(budgetFile, 'utf8')) : {};
  const budget = {
    typescript: version,
    instantiations: now.instantiations,
    types: now.types,
    maxGrowth: previous.maxGrowth ?? 0.1,
  };
  fs.writeFileSync(budgetFile, `${JSON.stringify(budget, null, 2)}\n`);
  console.log(
    `type budget recorded: ${now.instantiations} instantiations, ${now.types} types (TypeScript ${version})`,
  );
  process.exit(0);
}

const budget = JSON.parse(fs.readFileSync(budgetFile, 'utf8'));
const growth = now.instantiations / budget.instantiations - 1;
const pct = (x) => `${x >= 0 ? '+' : ''}${(x * 100).toFixed(1)}%`;
console.log(
  `type budget: ${now.instantiations} instantiations (budget ${budget.instantiations}, ${pct(growth)}; ` +
    `allowed ${pct(budget.maxGrowth)}), ${now.types} types, check time ${now.checkTime}s (not budgeted: it depends on the machine)`,
);
if (version !== budget.typescript) {
  console.error(
    `type budget: recorded with TypeScript ${budget.typescript}, running ${version}; counts differ between versions: ` +
      're-record with `node scripts/check-type-budget.mjs --update` and commit packages/client/type-budget.json',
  );
  process.exit(1);
}
if (growth > budget.maxGrowth) {
  console.error(
    `type budget exceeded: instantiations grew ${pct(growth)} (more than ${pct(budget.maxGrowth)}). Make the types ` +
      'cheaper, or raise the budget on purpose: `node scripts/check-type-budget.mjs --update`, commit type-budget.json',
  );
  process.exit(1);
}
if (growth < -budget.maxGrowth) {
  console.log(
    'type budget: well under budget; record the new count (--update) so a regression is caught sooner',
  );
}
