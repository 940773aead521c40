import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import pg from 'pg';
import { poolSize } from '../config.js';
import type { ContenderOptions, RunningContender } from './contender.js';
import { encodeCursor } from './rows.js';

/** Raw node:http + pg with hand-written SQL and prepared statements: the practical limit of the machine. */

const project = `p.id, p.created_at as "createdAt", p.updated_at as "updatedAt", p.version, p.created_by as "createdBy",
  p.updated_by as "updatedBy", p.properties, p.archived_at as "archivedAt", p.organization_id as "organizationId",
  p.name, p.description, p.is_public as "isPublic"`;
const release = `r.id, r.created_at as "createdAt", r.updated_at as "updatedAt", r.version, r.created_by as "createdBy",
  r.updated_by as "updatedBy", r.properties, r.archived_at as "archivedAt", r.project_id as "projectId", r.semver,
  r.status, r.notes, r.released_at as "releasedAt", r.downloads::text as downloads`;
const publicPage = `from project p where p.is_public = $1 and p.archived_at is null order by p.name, p.created_at desc, p.id limit $2`;

const statements = {
  get: `select ${project} from project p where p.id = $1 and p.archived_at is null`,
  list: `select ${project} ${publicPage}`,
  listWithRelations: `select ${project},
    (select to_json(o) from (select o.id, o.created_at as "createdAt", o.updated_at as "updatedAt", o.version,
       o.created_by as "createdBy", o.updated_by as "updatedBy", o.properties, o.archived_at as "archivedAt", o.name, o.slug
       from organization o where o.id = p.organization_id and o.archived_at is null) o) as organization,
    (select coalesce(json_agg(t), '[]') from (select t.id, t.created_at as "createdAt", t.updated_at as "updatedAt", t.label, t.color
       from project_tag pt join tag t on t.id = pt.tag_id where pt.project_id = p.id order by t.created_at desc, t.id) t) as tags,
    (select coalesce(json_agg(r), '[]') from (select ${release} from release r
       where r.project_id = p.id and r.archived_at is null order by r.semver desc, r.id limit $3) r) as releases
    ${publicPage}`,
  create: `insert into release as r (project_id, semver, status, notes) values ($1, $2, $3, $4) returning ${release}`,
  createMany: `insert into release (project_id, semver, status, notes)
    select * from unnest($1::uuid[], $2::text[], $3::text[], $4::text[]) returning id`,
  update: `update project p set description = $3, version = p.version + 1, updated_at = now(), updated_by = null
    where p.id = $1 and p.version = $2 returning ${project}`,
  version: `select version from project where id = $1`,
};

const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

interface ReleaseBody {
  projectId: string;
  semver: string;
  status?: string;
  notes?: string | null;
}

function send(res: ServerResponse, status: number, body: unknown) {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return JSON.parse(Buffer.concat(chunks).toString('utf8'));
}

function page(rows: { name: string; createdAt: Date; id: string }[], limit: number) {
  const more = rows.length > limit;
  if (more) rows.pop();
  const last = rows[rows.length - 1];
  return {
    items: rows,
    nextCursor: more && last ? encodeCursor([last.name, last.createdAt, last.id]) : null,
  };
}

export async function startRaw(options: ContenderOptions): Promise<RunningContender> {
  const pool = new pg.Pool({ connectionString: options.url, max: poolSize });
  const q = (name: keyof typeof statements, values: unknown[]) =>
    pool.query({ name, text: statements[name], values });

  async function handle(req: IncomingMessage, res: ServerResponse) {
    const url = new URL(req.url ?? '/', 'http://x');
    const parts = url.pathname.split('/').filter(Boolean);
    if (req.method === 'GET' && parts[0] === 'project' && parts[1]) {
      if (!uuid.test(parts[1])) return send(res, 400, { error: 'bad id' });
      const { rows } = await q('get', [parts[1]]);
      return rows[0] ? send(res, 200, rows[0]) : send(res, 404, { error: 'not found' });
    }
    if (req.method === 'GET' && parts[0] === 'projects') {
      const isPublic = url.searchParams.get('isPublic') === 'true';
      const limit = Math.min(100, Number(url.searchParams.get('limit') ?? 20));
      if (parts[1] === 'with-relations') {
        const releasesLimit = Math.min(100, Number(url.searchParams.get('releasesLimit') ?? 10));
        return send(
          res,
          200,
          page((await q('listWithRelations', [isPublic, limit + 1, releasesLimit])).rows, limit),
        );
      }
      return send(res, 200, page((await q('list', [isPublic, limit + 1])).rows, limit));
    }
    if (req.method === 'POST' && parts[0] === 'release') {
      const b = (await readJson(req)) as ReleaseBody;
      const { rows } = await q('create', [b.projectId, b.semver, b.status ?? 'draft', b.notes ?? null]);
      return send(res, 200, rows[0]);
    }
    if (req.method === 'POST' && parts[0] === 'releases') {
      const list = (await readJson(req)) as ReleaseBody[];
      const { rows } = await q('createMany', [
        list.map((r) => r.projectId),
        list.map((r) => r.semver),
        list.map((r) => r.status ?? 'draft'),
        list.map((r) => r.notes ?? null),
      ]);
      return send(res, 200, { count: rows.length, ids: rows.map((r) => r.id) });
    }
    if (req.method === 'PATCH' && parts[0] === 'project' && parts[1]) {
      const b = (await readJson(req)) as { expectedVersion: number; data: { description?: string | null } };
      const { rows } = await q('update', [parts[1], b.expectedVersion, b.data.description ?? null]);
      if (rows[0]) return send(res, 200, rows[0]);
      const current = await q('version', [parts[1]]);
      return current.rows[0] ? send(res, 409, { error: 'conflict' }) : send(res, 404, { error: 'not found' });
    }
    send(res, 404, { error: 'no route' });
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((e: unknown) =>
      send(res, 500, { error: e instanceof Error ? e.message : 'error' }),
    );
  });
  await new Promise<void>((resolve) => server.listen(options.port, '127.0.0.1', resolve));
  return {
    async close() {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await pool.end();
    },
  };
}
