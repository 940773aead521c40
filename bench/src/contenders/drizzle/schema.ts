import { relations } from 'drizzle-orm';
import {
  bigint,
  boolean,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uuid,
  varchar,
} from 'drizzle-orm/pg-core';

/** The bench tables as a Drizzle app declares them (the same tables typecrud creates). */
const ts = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' });
const system = () => ({
  id: uuid('id').primaryKey().defaultRandom(),
  createdAt: ts('created_at').notNull().defaultNow(),
  updatedAt: ts('updated_at').notNull().defaultNow(),
});
const versioned = () => ({
  version: integer('version').notNull().default(1),
  createdBy: uuid('created_by'),
  updatedBy: uuid('updated_by'),
  properties: jsonb('properties'),
  archivedAt: ts('archived_at'),
});

export const organization = pgTable('organization', {
  ...system(),
  ...versioned(),
  name: varchar('name', { length: 200 }).notNull(),
  slug: varchar('slug', { length: 64 }).notNull().unique(),
});

export const project = pgTable('project', {
  ...system(),
  ...versioned(),
  organizationId: uuid('organization_id')
    .notNull()
    .references(() => organization.id),
  name: varchar('name', { length: 200 }).notNull(),
  description: text('description'),
  isPublic: boolean('is_public').notNull().default(false),
});

export const tag = pgTable('tag', {
  ...system(),
  label: varchar('label', { length: 50 }).notNull().unique(),
  color: varchar('color', { length: 7 }),
});

export const projectTag = pgTable(
  'project_tag',
  {
    projectId: uuid('project_id')
      .notNull()
      .references(() => project.id),
    tagId: uuid('tag_id')
      .notNull()
      .references(() => tag.id),
  },
  (t) => [primaryKey({ columns: [t.projectId, t.tagId] })],
);

export const release = pgTable('release', {
  ...system(),
  ...versioned(),
  projectId: uuid('project_id')
    .notNull()
    .references(() => project.id),
  semver: varchar('semver', { length: 64 }).notNull(),
  status: text('status').notNull().default('draft'),
  notes: text('notes'),
  releasedAt: ts('released_at'),
  downloads: bigint('downloads', { mode: 'bigint' }).notNull().default(0n),
});

export const organizationRelations = relations(organization, ({ many }) => ({ projects: many(project) }));
export const projectRelations = relations(project, ({ one, many }) => ({
  organization: one(organization, { fields: [project.organizationId], references: [organization.id] }),
  releases: many(release),
  projectTags: many(projectTag),
}));
export const tagRelations = relations(tag, ({ many }) => ({ projectTags: many(projectTag) }));
export const projectTagRelations = relations(projectTag, ({ one }) => ({
  project: one(project, { fields: [projectTag.projectId], references: [project.id] }),
  tag: one(tag, { fields: [projectTag.tagId], references: [tag.id] }),
}));
export const releaseRelations = relations(release, ({ one }) => ({
  project: one(project, { fields: [release.projectId], references: [project.id] }),
}));
