import type { ColumnType, Generated, Insertable, Selectable } from 'kysely';

/** The bench tables as a hand-written Kysely app types them (snake_case columns, as typecrud creates them). */
type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;

interface SystemColumns {
  id: Generated<string>;
  created_at: Timestamp;
  updated_at: Timestamp;
}
interface Versioned {
  version: Generated<number>;
  created_by: string | null;
  updated_by: string | null;
  properties: unknown | null;
  archived_at: Date | null;
}

export interface OrganizationTable extends SystemColumns, Versioned {
  name: string;
  slug: string;
}
export interface ProjectTable extends SystemColumns, Versioned {
  organization_id: string;
  name: string;
  description: string | null;
  is_public: Generated<boolean>;
}
export interface TagTable extends SystemColumns {
  label: string;
  color: string | null;
}
export interface ProjectTagTable {
  project_id: string;
  tag_id: string;
}
export interface ReleaseTable extends SystemColumns, Versioned {
  project_id: string;
  semver: string;
  status: Generated<string>;
  notes: string | null;
  released_at: Date | null;
  downloads: ColumnType<bigint, bigint | string | undefined, bigint | string>;
}

export interface BenchDB {
  organization: OrganizationTable;
  project: ProjectTable;
  tag: TagTable;
  project_tag: ProjectTagTable;
  release: ReleaseTable;
}

export type ReleaseInsert = Insertable<ReleaseTable>;
export type ProjectRow = Selectable<ProjectTable>;
