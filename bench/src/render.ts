/** `tsx src/render.ts`: rewrites results/latest.md and the README's summary from results/latest.json (after a report change). */
import { readFile, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { type BenchResults, markdown, updateReadme } from './report.js';

const dir = fileURLToPath(new URL('../results/', import.meta.url));
const results = JSON.parse(await readFile(`${dir}latest.json`, 'utf8')) as BenchResults;
await writeFile(`${dir}latest.md`, markdown(results));
console.log(`wrote ${dir}latest.md, ${await updateReadme(results)}`);
