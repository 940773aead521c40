/** Writes two projects of N entities each: one with typecrud's DSL, one hand-written tRPC + Kysely + zod. */

const name = (i: number) => `e${i}`;
const pascal = (i: number) => `E${i}`;

/** typecrud: defineEntity per file, defineSchema, crudProcedures per entity, and a client calling each. */
export function typecrudProject(n: number): Record<string, string> {
  const files: Record<string, string> = {};
  for (let i = 0; i < n; i++) {
    const parent = i > 0 ? name(i - 1) : undefined;
    const child = i < n - 1 ? name(i + 1) : undefined;
    const relations = [
      parent ? `parent: belongsTo('${parent}', 'parentId')` : '',
      child ? `children: hasMany('${child}', 'parentId')` : '',
    ].filter(Boolean);
    files[`entities/${name(i)}.ts`] = `import { belongsTo, defineEntity, f, hasMany } from '@typecrud/shared';

export const ${name(i)} = defineEntity({
  name: '${name(i)}',
  traits: ['timestamps', 'version', 'archive'],
  fields: {
    title: f.string({ max: 200 }).filterable().sortable().list(),
    count: f.int().default(0).filterable().sortable().list(),
    note: f.text().nullable(),
    active: f.boolean().default(true).filterable().list(),${parent ? `\n    parentId: f.ref('${parent}').nullable().list(),` : ''}
  },
  relations: { ${relations.join(', ')} },
});
${relations.length ? '' : '// (no relations)\n'}`.replace(
      'import { belongsTo, defineEntity, f, hasMany }',
      `import { ${[parent ? 'belongsTo' : '', 'defineEntity', 'f', child ? 'hasMany' : ''].filter(Boolean).join(', ')} }`,
    );
  }
  const all = Array.from({ length: n }, (_, i) => name(i));
  files['schema.ts'] = `import { defineSchema } from '@typecrud/shared';
${all.map((e) => `import { ${e} } from './entities/${e}.js';`).join('\n')}

export const schema = defineSchema({ ${all.join(', ')} });
`;
  files['router.ts'] = `import { crudProcedures, router } from '@typecrud/server';
import { schema } from './schema.js';

export const appRouter = router({
${all.map((e) => `  ${e}: router(crudProcedures(schema, '${e}')),`).join('\n')}
});

export type AppRouter = typeof appRouter;
`;
  files['client.ts'] = `import { createClient } from '@typecrud/client';
import type { AppRouter } from './router.js';

const api = createClient<AppRouter>({ url: 'http://127.0.0.1:3000' });

export async function callEverything(id: string) {
${all
  .map((e, i) => {
    const include = i < n - 1 ? `, include: { children: true }` : i > 0 ? `, include: { parent: true }` : '';
    return `  const ${e}One = await api.${e}.get.query({ id${include} });
  const ${e}Page = await api.${e}.list.query({ where: { title: { contains: 'x' }, active: true }, orderBy: [{ count: 'desc' }, { title: 'asc' }], limit: 10 });
  const ${e}New = await api.${e}.create.mutate({ title: ${e}One.title, count: ${e}Page.items.length });
  void ${e}New.id;`;
  })
  .join('\n')}
}
`;
  return files;
}

/** The same API by hand: a Kysely table interface, zod inputs and three procedures per entity. */
export function handwrittenProject(n: number): Record<string, string> {
  const all = Array.from({ length: n }, (_, i) => i);
  const files: Record<string, string> = {};
  files['db.ts'] = `import type { Generated } from 'kysely';

${all
  .map(
    (i) => `export interface ${pascal(i)}Table {
  id: Generated<string>;
  created_at: Generated<Date>;
  updated_at: Generated<Date>;
  version: Generated<number>;
  archived_at: Date | null;
  title: string;
  count: Generated<number>;
  note: string | null;
  active: Generated<boolean>;${i > 0 ? '\n  parent_id: string | null;' : ''}
}`,
  )
  .join('\n\n')}

export interface DB {
${all.map((i) => `  ${name(i)}: ${pascal(i)}Table;`).join('\n')}
}
`;
  files['router.ts'] = `import { initTRPC, TRPCError } from '@trpc/server';
import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import superjson from 'superjson';
import { z } from 'zod';
import type { DB } from './db.js';

const t = initTRPC.create({ transformer: superjson });
const db = new Kysely<DB>({ dialect: new PostgresDialect({ pool: new pg.Pool() }) });

${all
  .map(
    (i) => `const ${name(i)}Router = t.router({
  get: t.procedure.input(z.object({ id: z.uuid() })).query(async ({ input }) => {
    const row = await db.selectFrom('${name(i)}').selectAll().where('id', '=', input.id).where('archived_at', 'is', null).executeTakeFirst();
    if (!row) throw new TRPCError({ code: 'NOT_FOUND' });
    ${
      i < n - 1
        ? `const children = await db.selectFrom('${name(i + 1)}').selectAll().where('parent_id', '=', row.id).execute();
    return { ...row, children };`
        : 'return row;'
    }
  }),
  list: t.procedure
    .input(z.object({ title: z.string().optional(), active: z.boolean().optional(), limit: z.number().int().max(100).default(20) }))
    .query(({ input }) => {
      let q = db.selectFrom('${name(i)}').selectAll().where('archived_at', 'is', null);
      if (input.title !== undefined) q = q.where('title', 'ilike', \`%\${input.title}%\`);
      if (input.active !== undefined) q = q.where('active', '=', input.active);
      return q.orderBy('count', 'desc').orderBy('title').limit(input.limit).execute();
    }),
  create: t.procedure
    .input(z.object({ title: z.string().max(200), count: z.number().int().optional(), note: z.string().nullable().optional()${i > 0 ? ', parentId: z.uuid().nullable().optional()' : ''} }))
    .mutation(({ input }) =>
      db.insertInto('${name(i)}').values({ title: input.title, count: input.count, note: input.note${i > 0 ? ', parent_id: input.parentId' : ''} }).returningAll().executeTakeFirstOrThrow(),
    ),
});`,
  )
  .join('\n\n')}

export const appRouter = t.router({
${all.map((i) => `  ${name(i)}: ${name(i)}Router,`).join('\n')}
});

export type AppRouter = typeof appRouter;
`;
  files['client.ts'] = `import { createTRPCClient, httpBatchLink } from '@trpc/client';
import superjson from 'superjson';
import type { AppRouter } from './router.js';

const api = createTRPCClient<AppRouter>({ links: [httpBatchLink({ url: 'http://127.0.0.1:3000/trpc', transformer: superjson })] });

export async function callEverything(id: string) {
${all
  .map(
    (i) => `  const ${name(i)}One = await api.${name(i)}.get.query({ id });
  const ${name(i)}Page = await api.${name(i)}.list.query({ title: 'x', active: true, limit: 10 });
  const ${name(i)}New = await api.${name(i)}.create.mutate({ title: ${name(i)}One.title, count: ${name(i)}Page.length });
  void ${name(i)}New.id;`,
  )
  .join('\n')}
}
`;
  return files;
}
