import type { StartContender } from './contender.js';
import { startDrizzle } from './drizzle/start.js';
import { startHandwritten, startHandwrittenAuth, startNaive } from './handwritten/start.js';
import { startRaw } from './raw.js';
import { startTypecrud } from './typecrud.js';

/** How a contender is called over HTTP: typecrud's generated router, the hand-written tRPC routers, or raw REST. */
export type Wire = 'typecrud' | 'trpc' | 'raw';

export interface ContenderInfo {
  readonly name: string;
  readonly label: string;
  readonly wire: Wire;
  readonly start: StartContender;
  /** Engines it runs on. */
  readonly engines: readonly ('postgres' | 'pglite')[];
}

export const contenders: readonly ContenderInfo[] = [
  {
    name: 'typecrud',
    label: 'typecrud (apps/api)',
    wire: 'typecrud',
    start: startTypecrud,
    engines: ['postgres', 'pglite'],
  },
  {
    name: 'handwritten',
    label: 'hand-written tRPC + Kysely',
    wire: 'trpc',
    start: startHandwritten,
    engines: ['postgres', 'pglite'],
  },
  {
    name: 'handwritten-auth',
    label: 'hand-written tRPC + Kysely + the same sign-in',
    wire: 'trpc',
    start: startHandwrittenAuth,
    engines: ['postgres'],
  },
  { name: 'raw', label: 'raw node:http + pg', wire: 'raw', start: startRaw, engines: ['postgres'] },
  {
    name: 'naive',
    label: 'naive N+1 (tRPC + Kysely)',
    wire: 'trpc',
    start: startNaive,
    engines: ['postgres'],
  },
  { name: 'drizzle', label: 'Drizzle RQB + tRPC', wire: 'trpc', start: startDrizzle, engines: ['postgres'] },
];

export const contenderByName = (name: string): ContenderInfo => {
  const c = contenders.find((x) => x.name === name);
  if (!c) throw new Error(`unknown contender ${name}`);
  return c;
};
