import type { ManagerContext } from '@typecrud/server';
import type { Include, Result } from '@typecrud/shared';
import { describe, expectTypeOf, it } from 'vitest';
import type { z } from 'zod';
import type { AppSchema, Organization, Release, schema } from '../src/index.js';
import type { AppServices } from '../src/server/index.js';

declare const m: AppServices['managers'];
declare const ctx: ManagerContext;
declare const b: boolean;
type S = AppSchema;
type ConnectDto = z.output<ReturnType<typeof schema.dto<'project'>>['connect']>;

describe('manager reads check include args exactly', () => {
  it('refuses unknown fields in nested where, at every depth and in get', () => {
    // @ts-expect-error unknown field in an include's where (depth 1)
    m.project.list(ctx, { include: { releases: { where: { nope: 1 } } } });
    // @ts-expect-error unknown field inside OR in an include's where
    m.project.list(ctx, { include: { releases: { where: { OR: [{ nope: 1 }] } } } });
    // @ts-expect-error unknown field two includes deep
    m.organization.list(ctx, { include: { projects: { include: { releases: { where: { nope: 1 } } } } } });
    // @ts-expect-error unknown field in get's include where
    m.project.get(ctx, { id: 'x', include: { releases: { where: { nope: 1 } } } });
    // @ts-expect-error limit on a to-one include
    m.project.list(ctx, { include: { organization: { limit: 1 } } });
    // @ts-expect-error orderBy on a hasOne include
    m.user.get(ctx, { id: 'x', include: { profile: { orderBy: { timezone: 'asc' } } } });
  });

  it('types results by the include; a boolean variable makes the relation optional', async () => {
    const p = await m.project.get(ctx, { id: 'x', include: { organization: b, releases: { limit: 2 } } });
    expectTypeOf(p.releases).toEqualTypeOf<Release[]>();
    expectTypeOf<Pick<typeof p, 'organization'>>().toEqualTypeOf<{ organization?: Organization | null }>();
    type R = Result<S, S['project'], { organization: boolean; releases: false }>;
    expectTypeOf<R>().not.toHaveProperty('releases');
    expectTypeOf<Pick<R, 'organization'>>().toEqualTypeOf<{ organization?: Organization | null }>();
  });

  it('Include itself refuses limit / orderBy on to-one relations', () => {
    const ok: Include<S, S['project']> = {
      releases: { limit: 1, orderBy: { semver: 'asc' } },
      organization: {},
    };
    // @ts-expect-error limit on a belongsTo relation
    const bad: Include<S, S['project']> = { organization: { limit: 1 } };
    void [ok, bad];
  });

  it('connect and disconnect name a many-to-many relation', () => {
    m.project.connect(ctx, { id: 'x', relation: 'tags', ids: [] });
    // @ts-expect-error releases is has-many
    m.project.connect(ctx, { id: 'x', relation: 'releases', ids: [] });
    // @ts-expect-error organization is belongs-to
    m.project.disconnect(ctx, { id: 'x', relation: 'organization', ids: [] });
    // the connect DTO's type says the same
    expectTypeOf<ConnectDto['relation']>().toEqualTypeOf<'tags'>();
  });
});
