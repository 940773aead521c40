import type {
  ConnectOrCreate,
  CreateInput,
  DeleteInput,
  Include,
  JsonObject,
  ListItem,
  ListQuery,
  OrderBy,
  Page,
  Result,
  Row,
  UniqueWhere,
  UpdateInput,
  UpsertInput,
  Where,
} from '@typecrud/shared';
import { describe, expectTypeOf, it } from 'vitest';
import type { z } from 'zod';
import type {
  AppSchema,
  Project,
  ProjectCreate,
  ProjectUpdate,
  ProjectUpsert,
  schema,
  Tag,
  TagUpsert,
  UserCreate,
} from '../src/index.js';

type S = AppSchema;
type ProjectE = S['project'];
type ReleaseE = S['release'];
type UserE = S['user'];
type OrgE = S['organization'];

describe('row and DTO types of the demo domain', () => {
  it('Row is the full read shape, nullable where the field is', () => {
    expectTypeOf<Row<ProjectE>>().toEqualTypeOf<{
      id: string;
      createdAt: Date;
      updatedAt: Date;
      version: number;
      createdBy: string | null;
      updatedBy: string | null;
      properties: JsonObject | null;
      archivedAt: Date | null;
      organizationId: string;
      name: string;
      description: string | null;
      isPublic: boolean;
    }>();
    expectTypeOf<Row<ReleaseE>['downloads']>().toEqualTypeOf<bigint>();
    expectTypeOf<Row<ReleaseE>['releasedAt']>().toEqualTypeOf<Date | null>();
    expectTypeOf<Row<ReleaseE>['status']>().toEqualTypeOf<
      'draft' | 'scheduled' | 'published' | 'withdrawn'
    >();
    expectTypeOf<Project>().toEqualTypeOf<Row<ProjectE>>();
  });

  it('a hidden field is never part of a read or a write', () => {
    expectTypeOf<Row<UserE>>().not.toHaveProperty('passwordHash');
    expectTypeOf<CreateInput<S, UserE>>().not.toHaveProperty('passwordHash');
  });

  it('ListItem holds id and the listed fields only', () => {
    expectTypeOf<ListItem<ProjectE>>().toEqualTypeOf<{
      id: string;
      version: number;
      organizationId: string;
      name: string;
      isPublic: boolean;
    }>();
  });

  it('create: required fields required, defaults and nullables optional, system fields absent', () => {
    expectTypeOf<ProjectCreate>().toMatchTypeOf<CreateInput<S, ProjectE>>();
    expectTypeOf<CreateInput<S, ProjectE>>().toMatchTypeOf<ProjectCreate>();
    expectTypeOf<ProjectCreate['organizationId']>().toEqualTypeOf<string>();
    expectTypeOf<ProjectCreate['isPublic']>().toEqualTypeOf<boolean | undefined>();
    expectTypeOf<ProjectCreate['description']>().toEqualTypeOf<string | null | undefined>();
    expectTypeOf<ProjectCreate['tags']>().toEqualTypeOf<
      { connect?: string[]; connectOrCreate?: ConnectOrCreate<S['tag']>[] } | undefined
    >();
    const ok: ProjectCreate = { organizationId: 'o', name: 'n', tags: { connect: ['t'] } };
    expectTypeOf(ok).toMatchTypeOf<ProjectCreate>();
    // @ts-expect-error a system field
    const withId: ProjectCreate = { organizationId: 'o', name: 'n', id: 'x' };
    // @ts-expect-error version is the server's
    const withVersion: ProjectCreate = { organizationId: 'o', name: 'n', version: 2 };
    // @ts-expect-error archivedAt is set by archive
    const withArchived: ProjectCreate = { organizationId: 'o', name: 'n', archivedAt: new Date() };
    // @ts-expect-error a required field missing
    const missing: ProjectCreate = { name: 'n' };
    // @ts-expect-error set is for updates
    const setOnCreate: ProjectCreate = { organizationId: 'o', name: 'n', tags: { set: [] } };
    void [withId, withVersion, withArchived, missing, setOnCreate];
  });

  it('create of a user takes its one-to-one profile, without the reference field', () => {
    const ok: UserCreate = { email: 'a@b.c', displayName: 'A', profile: { create: { bio: 'hi' } } };
    expectTypeOf(ok).toMatchTypeOf<UserCreate>();
    // @ts-expect-error the profile's userId is the new user's
    const withRef: UserCreate = { email: 'a@b.c', displayName: 'A', profile: { create: { userId: 'u' } } };
    // @ts-expect-error an unknown role
    const badRole: UserCreate = { email: 'a@b.c', displayName: 'A', role: 'boss' };
    void [withRef, badRole];
  });

  it('update: every field optional, many-to-many writes, an expected version', () => {
    expectTypeOf<ProjectUpdate>().toMatchTypeOf<UpdateInput<ProjectE, S>>();
    expectTypeOf<UpdateInput<ProjectE, S>>().toMatchTypeOf<ProjectUpdate>();
    const ok: ProjectUpdate = {
      id: 'p',
      data: { name: 'n', tags: { connect: ['a'], disconnect: ['b'], set: ['c'] } },
      expectedVersion: 3,
    };
    expectTypeOf(ok).toMatchTypeOf<ProjectUpdate>();
    // @ts-expect-error a system field in data
    const sys: ProjectUpdate = { id: 'p', data: { createdAt: new Date() } };
    // @ts-expect-error a wrong type
    const wrong: ProjectUpdate = { id: 'p', data: { isPublic: 'yes' } };
    void [sys, wrong];
  });

  it('the DTO schemas infer the same types', () => {
    type Dtos = ReturnType<typeof schema.dto<'project'>>;
    expectTypeOf<z.input<Dtos['create']>>().toEqualTypeOf<CreateInput<S, ProjectE>>();
    expectTypeOf<z.output<Dtos['entity']>>().toEqualTypeOf<Row<ProjectE>>();
    expectTypeOf<z.output<Dtos['update']>>().toEqualTypeOf<UpdateInput<ProjectE, S>>();
    expectTypeOf<z.output<NonNullable<Dtos['upsert']>>>().toEqualTypeOf<UpsertInput<ProjectE>>();
    expectTypeOf<z.output<Dtos['list']>>().toEqualTypeOf<ListQuery<S, ProjectE>>();
    // delete takes the version read; archive does not
    expectTypeOf<z.output<Dtos['deleteOne']>>().toEqualTypeOf<DeleteInput>();
    expectTypeOf<DeleteInput['expectedVersion']>().toEqualTypeOf<number | undefined>();
    expectTypeOf<z.output<Dtos['writeId']>>().not.toHaveProperty('expectedVersion');
  });
});

describe('where', () => {
  type PW = Where<S, ProjectE>;
  type RW = Where<S, ReleaseE>;

  it('accepts each kind with its operators', () => {
    const project: PW = {
      name: { contains: 'x', mode: 'insensitive' },
      description: null,
      isPublic: true,
      organizationId: { in: ['a'] },
      properties: { path: ['tier'], equals: 'gold' },
      tags: { some: { label: { startsWith: 'b' } }, none: { label: 'x' } },
      organization: { is: { slug: 'acme' } },
      releases: { every: { status: { notIn: ['draft'] } } },
      AND: [{ name: 'a' }],
      OR: [{ NOT: { name: { endsWith: 'z' } } }],
    };
    const release: RW = {
      downloads: { gt: 5n, lte: 10n },
      releasedAt: { gte: new Date(), isNull: false },
      status: 'published',
      project: { isNot: null },
    };
    expectTypeOf(project).toMatchTypeOf<PW>();
    expectTypeOf(release).toMatchTypeOf<RW>();
  });

  it('rejects unknown fields and wrong operators per kind', () => {
    // @ts-expect-error unknown field
    const a: PW = { nmae: 'x' };
    // @ts-expect-error contains on a boolean
    const b: PW = { isPublic: { contains: 'x' } };
    // @ts-expect-error lt on a uuid
    const c: PW = { organizationId: { lt: 'x' } };
    // @ts-expect-error contains on an enum
    const d: RW = { status: { contains: 'pub' } };
    // @ts-expect-error a value outside the enum
    const e: RW = { status: 'shipped' };
    // @ts-expect-error a number for a bigint
    const g: RW = { downloads: { gt: 5 } };
    // @ts-expect-error a string for a timestamp
    const h: RW = { releasedAt: { gt: '2026-01-01' } };
    // @ts-expect-error a field that is not filterable
    const i: RW = { notes: 'x' };
    // @ts-expect-error some on a to-one relation
    const j: PW = { organization: { some: {} } };
    // @ts-expect-error is on a to-many relation
    const k: PW = { releases: { is: {} } };
    // @ts-expect-error an unknown field inside a relation filter
    const l: PW = { tags: { some: { nope: 1 } } };
    // @ts-expect-error string operators on jsonb
    const m: PW = { properties: { contains: 'x' } };
    // @ts-expect-error a hidden field
    const n: Where<S, UserE> = { passwordHash: 'x' };
    // @ts-expect-error a wrong value type
    const o: PW = { name: { eq: 3 } };
    void [a, b, c, d, e, g, h, i, j, k, l, m, n, o];
  });
});

describe('orderBy', () => {
  type PO = OrderBy<S, ProjectE>;
  it('takes sortable fields, nulls, and to-one relations', () => {
    const ok: PO = {
      name: 'asc',
      archivedAt: { dir: 'desc', nulls: 'last' },
      organization: { name: 'desc' },
    };
    expectTypeOf(ok).toMatchTypeOf<PO>();
    // @ts-expect-error not sortable
    const a: PO = { description: 'asc' };
    // @ts-expect-error no such nulls placement
    const b: PO = { name: { dir: 'asc', nulls: 'middle' } };
    // @ts-expect-error a to-many relation cannot order
    const c: PO = { releases: { semver: 'asc' } };
    // @ts-expect-error a bad direction
    const d: PO = { name: 'up' };
    void [a, b, c, d];
  });
});

describe('include and result', () => {
  it('the result follows the include', () => {
    type Plain = Result<S, ProjectE, Record<never, never>>;
    expectTypeOf<Plain>().not.toHaveProperty('tags');
    expectTypeOf<Plain>().not.toHaveProperty('organization');

    type WithTags = Result<S, ProjectE, { tags: true }>;
    expectTypeOf<WithTags['tags']>().toEqualTypeOf<Result<S, S['tag'], Record<never, never>>[]>();
    expectTypeOf<WithTags['tags'][number]['label']>().toEqualTypeOf<Tag['label']>();
    expectTypeOf<WithTags>().not.toHaveProperty('organization');

    type Off = Result<S, ProjectE, { tags: false; organization: true }>;
    expectTypeOf<Off>().not.toHaveProperty('tags');
    // a required parent may still be hidden by the caller's policy: to-one includes are nullable
    expectTypeOf<Off['organization']>().toEqualTypeOf<Result<S, OrgE, Record<never, never>> | null>();
    expectTypeOf<NonNullable<Off['organization']>['slug']>().toEqualTypeOf<string>();

    // a where on a required parent may not match it: then it is null
    type Filtered = Result<S, ProjectE, { organization: { where: { slug: 'acme' } } }>;
    expectTypeOf<Filtered['organization']>().toEqualTypeOf<Result<S, OrgE, Record<never, never>> | null>();
    type Nested = Result<S, ProjectE, { organization: { include: { projects: true } } }>;
    expectTypeOf<NonNullable<Nested['organization']>['projects'][number]['name']>().toEqualTypeOf<string>();

    type WithProfile = Result<S, UserE, { profile: true }>;
    expectTypeOf<WithProfile['profile']>().toEqualTypeOf<Result<
      S,
      S['profile'],
      Record<never, never>
    > | null>();
  });

  it('nests to three levels with the right value types', () => {
    type Deep = Result<S, OrgE, { projects: { include: { releases: { include: { project: true } } } } }>;
    type Rel = Deep['projects'][number]['releases'][number];
    expectTypeOf<Rel['downloads']>().toEqualTypeOf<bigint>();
    expectTypeOf<Rel['releasedAt']>().toEqualTypeOf<Date | null>();
    expectTypeOf<NonNullable<Rel['project']>['createdAt']>().toEqualTypeOf<Date>();
    expectTypeOf<NonNullable<Rel['project']>>().not.toHaveProperty('releases');
  });

  it('rejects unknown relations and bad nested arguments', () => {
    type PI = Include<S, ProjectE>;
    const ok: PI = {
      tags: { where: { label: 'x' }, orderBy: { label: 'asc' }, limit: 5 },
      releases: { include: { project: true } },
    };
    expectTypeOf(ok).toMatchTypeOf<PI>();
    // @ts-expect-error an unknown relation
    const a: PI = { tagz: true };
    // @ts-expect-error an unknown field in a nested where
    const b: PI = { tags: { where: { nope: 1 } } };
    // @ts-expect-error a nested include of a relation the target lacks
    const c: PI = { releases: { include: { tags: true } } };
    // @ts-expect-error limit is a number
    const d: PI = { tags: { limit: '5' } };
    void [a, b, c, d];
  });

  it('a page carries the items, a nullable cursor and an optional total', () => {
    expectTypeOf<Page<Project>>().toEqualTypeOf<{
      items: Project[];
      nextCursor: string | null;
      total?: number;
    }>();
  });
});

describe('upsert and nested writes', () => {
  it('upsert where is one unique key, every field of it given', () => {
    expectTypeOf<UniqueWhere<S['tag']>>().toEqualTypeOf<{ label: string }>();
    expectTypeOf<UniqueWhere<ProjectE>>().toEqualTypeOf<{ organizationId: string; name: string }>();
    expectTypeOf<UniqueWhere<S['membership']>>().toEqualTypeOf<{ organizationId: string; userId: string }>();
    expectTypeOf<UniqueWhere<S['organization']>>().toEqualTypeOf<{ slug: string }>();
    const ok: ProjectUpsert = {
      where: { organizationId: 'o', name: 'n' },
      create: { organizationId: 'o', name: 'n' },
      update: { description: 'd' },
      expectedVersion: 2,
    };
    const tag: TagUpsert = { where: { label: 'x' }, create: { label: 'x' }, update: { color: '#000000' } };
    // @ts-expect-error a field that is not unique
    const notUnique: TagUpsert = { where: { color: '#000000' }, create: { label: 'x' }, update: {} };
    const partial: ProjectUpsert = {
      // @ts-expect-error part of a multi-column key only
      where: { name: 'n' },
      create: { organizationId: 'o', name: 'n' },
      update: {},
    };
    // @ts-expect-error an immutable field on the update branch
    const moves: ProjectUpsert = { ...ok, update: { organizationId: 'other' } };
    void [ok, tag, notUnique, partial, moves];
  });

  it('nested create and update: has-many children, connectOrCreate by a unique key', () => {
    const ok: ProjectCreate = {
      organizationId: 'o',
      name: 'n',
      releases: { create: [{ semver: '1.0.0' }] },
      tags: { connectOrCreate: [{ where: { label: 'x' }, create: { label: 'x' } }] },
    };
    const upd: ProjectUpdate = {
      id: 'p',
      data: {
        releases: { create: [{ semver: '1.0.1' }], update: [{ id: 'r', data: { notes: 'n' } }] },
        tags: { connectOrCreate: [{ where: { label: 'y' }, create: { label: 'y' } }], disconnect: ['t'] },
      },
    };
    // @ts-expect-error a nested create of a field that is not a relation
    const notRelation: ProjectCreate = { organizationId: 'o', name: 'n', description: { create: [] } };
    const parent: ProjectCreate = {
      organizationId: 'o',
      name: 'n',
      // @ts-expect-error the child's reference to its parent is set by the server
      releases: { create: [{ semver: '1.0.0', projectId: 'p' }] },
    };
    const byColor: ProjectCreate = {
      organizationId: 'o',
      name: 'n',
      // @ts-expect-error connectOrCreate by a field that is not unique
      tags: { connectOrCreate: [{ where: { color: '#000000' }, create: { label: 'x' } }] },
    };
    const moveChild: ProjectUpdate = {
      id: 'p',
      // @ts-expect-error a nested update changes a child's immutable field
      data: { releases: { update: [{ id: 'r', data: { projectId: 'q' } }] } },
    };
    void [ok, upd, notRelation, parent, byColor, moveChild];
  });
});
