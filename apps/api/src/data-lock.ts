import { mkdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';

/** PGlite's folder is open in another live process: opening it a second time would abort (and risk the data). */
export class DatabaseInUseError extends Error {
  override name = 'DatabaseInUseError';
}

/** Lock files this process holds, so a leftover file naming our own pid is told apart from a live lock. */
const held = new Set<string>();

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to someone else
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The folder as the user typed the command: relative to where pnpm was started (INIT_CWD), else to cwd. */
function shown(dir: string): string {
  const from = process.env.INIT_CWD ?? process.cwd();
  const path = relative(from, resolve(dir));
  return path === '' ? '.' : path.startsWith('..') ? resolve(dir) : path;
}

/**
 * Takes `<dataDir>/pglite.lock` (the pid of its holder) for the embedded database, or fails with a
 * DatabaseInUseError naming the live process that holds it. A lock left by a process that is gone
 * is taken over. Returns the release function (also run when the process exits).
 */
export function lockDataDir(dataDir: string): () => void {
  mkdirSync(dataDir, { recursive: true });
  const file = resolve(join(dataDir, 'pglite.lock'));
  for (let attempt = 0; ; attempt++) {
    try {
      writeFileSync(file, `${process.pid}\n`, { flag: 'wx' });
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST' || attempt > 2) throw error;
    }
    let pid = Number.NaN;
    try {
      pid = Number.parseInt(readFileSync(file, 'utf8'), 10);
    } catch {
      continue; // released meanwhile
    }
    const ours = pid === process.pid && !held.has(file);
    if (Number.isInteger(pid) && pid > 0 && !ours && alive(pid)) {
      throw new DatabaseInUseError(
        `the database under ${shown(dataDir)} is in use by process ${pid}; stop it or use DATABASE_URL`,
      );
    }
    try {
      unlinkSync(file); // stale: its process is gone
    } catch {
      // someone else removed it first; try again
    }
  }
  held.add(file);
  const release = () => {
    if (!held.delete(file)) return;
    process.off('exit', release);
    try {
      if (Number.parseInt(readFileSync(file, 'utf8'), 10) === process.pid) unlinkSync(file);
    } catch {
      // already gone
    }
  };
  process.on('exit', release);
  return release;
}
