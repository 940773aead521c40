import { execFile } from 'node:child_process';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { handwrittenProject, typecrudProject } from './generate.js';

const run = promisify(execFile);
const require = createRequire(import.meta.url);
const tsc = join(dirname(require.resolve('typescript/package.json')), 'bin', 'tsc');
/** Under results/raw (git-ignored) so that imports resolve through bench's node_modules. */
const root = fileURLToPath(new URL('../../results/raw/typecheck/', import.meta.url));
const baseConfig = fileURLToPath(new URL('../../../tsconfig.base.json', import.meta.url));

export interface TscStats {
  checkSeconds: number;
  totalSeconds: number;
  instantiations: number;
  memoryMB: number;
  errors: number;
}

export interface TypecheckPoint {
  entities: number;
  typecrud: TscStats;
  handwritten: TscStats;
}

async function writeProject(dir: string, files: Record<string, string>) {
  await rm(dir, { recursive: true, force: true });
  for (const [file, text] of Object.entries(files)) {
    await mkdir(dirname(join(dir, file)), { recursive: true });
    await writeFile(join(dir, file), text);
  }
  // the client file is the root: everything it reaches (router, schema, the typecrud packages) is checked
  await writeFile(
    join(dir, 'tsconfig.json'),
    JSON.stringify(
      { extends: baseConfig, compilerOptions: { incremental: false }, files: ['client.ts'] },
      null,
      2,
    ),
  );
}

const stat = (out: string, label: string) => {
  const m = new RegExp(`^${label}:\\s+([\\d.]+)(K|s)?`, 'm').exec(out);
  return m ? Number(m[1]) : Number.NaN;
};

async function check(dir: string): Promise<TscStats> {
  let out = '';
  let errors = 0;
  try {
    out = (
      await run(process.execPath, [tsc, '--noEmit', '--extendedDiagnostics', '-p', dir], {
        maxBuffer: 64 * 1024 * 1024,
      })
    ).stdout;
  } catch (e) {
    // type errors: tsc exits 2 and still prints its diagnostics
    out = (e as { stdout?: string }).stdout ?? '';
    errors = (out.match(/error TS\d+/g) ?? []).length;
    if (errors)
      process.stderr.write(
        `${dir}: ${errors} type errors, first: ${out.split('\n').find((l) => l.includes('error TS'))}\n`,
      );
  }
  return {
    checkSeconds: stat(out, 'Check time'),
    totalSeconds: stat(out, 'Total time'),
    instantiations: stat(out, 'Instantiations'),
    memoryMB: Math.round(stat(out, 'Memory used') / 1024),
    errors,
  };
}

/** tsc --noEmit --extendedDiagnostics on both generated projects, for each size. */
export async function measureTypecheck(
  sizes: number[],
  log: (line: string) => void,
): Promise<TypecheckPoint[]> {
  const points: TypecheckPoint[] = [];
  for (const n of sizes) {
    const tcDir = join(root, `n${n}`, 'typecrud');
    const hwDir = join(root, `n${n}`, 'handwritten');
    await writeProject(tcDir, typecrudProject(n));
    await writeProject(hwDir, handwrittenProject(n));
    const typecrud = await check(tcDir);
    const handwritten = await check(hwDir);
    log(
      `typecheck N=${n}: typecrud ${typecrud.checkSeconds}s ${typecrud.instantiations} inst; hand-written ${handwritten.checkSeconds}s ${handwritten.instantiations} inst`,
    );
    points.push({ entities: n, typecrud, handwritten });
  }
  return points;
}
