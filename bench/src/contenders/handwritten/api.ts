import { z } from 'zod';

/** The inputs of the hand-written routers (tRPC + Kysely, the naive N+1 one, Drizzle): plain zod. */
export const idInput = z.object({ id: z.uuid() });
export const listInput = z.object({
  isPublic: z.boolean(),
  limit: z.number().int().min(1).max(100),
});
export const listWithRelationsInput = listInput.extend({ releasesLimit: z.number().int().min(1).max(100) });
export const releaseCreateInput = z.object({
  projectId: z.uuid(),
  semver: z
    .string()
    .max(64)
    .regex(/^\d+\.\d+\.\d+(?:[-+][0-9A-Za-z.-]+)?$/),
  status: z.enum(['draft', 'scheduled', 'published', 'withdrawn']).default('draft'),
  notes: z.string().max(20000).nullable().optional(),
});
export const releaseCreateManyInput = z.array(releaseCreateInput).max(1000);
export const projectUpdateInput = z.object({
  id: z.uuid(),
  expectedVersion: z.number().int().min(1),
  data: z.object({
    description: z.string().max(4000).nullable().optional(),
    name: z.string().max(200).optional(),
  }),
});

/** The aggregate scenarios: releases of public (or private) projects. */
export const releaseStatsInput = z.object({ isPublic: z.boolean() });

export type ListInput = z.infer<typeof listInput>;
export type ReleaseStatsInput = z.infer<typeof releaseStatsInput>;
/** One group of the groupBy scenario, in the shape typecrud's groupBy answers. */
export interface ReleaseGroup {
  status: string;
  _count: number;
  _max: { createdAt: Date | null };
}
/** The aggregate scenario's answer, in the shape typecrud's aggregate answers. */
export interface ReleaseTotals {
  _count: number;
  _sum: { downloads: bigint | null };
  _max: { releasedAt: Date | null };
}
export type ListWithRelationsInput = z.infer<typeof listWithRelationsInput>;
export type ReleaseCreate = z.infer<typeof releaseCreateInput>;
export type ProjectUpdate = z.infer<typeof projectUpdateInput>;

/** What each hand-written data layer implements; the tRPC router on top is the same for all of them. */
export interface Queries<Project, ProjectWithRelations, Release> {
  getProject(id: string): Promise<Project | undefined>;
  listProjects(input: ListInput): Promise<{ items: Project[]; nextCursor: string | null }>;
  listProjectsWithRelations(
    input: ListWithRelationsInput,
  ): Promise<{ items: ProjectWithRelations[]; nextCursor: string | null }>;
  createRelease(input: ReleaseCreate): Promise<Release>;
  createReleases(input: ReleaseCreate[]): Promise<{ count: number; ids: string[] }>;
  /** undefined when missing; 'conflict' when the version is stale. */
  updateProject(input: ProjectUpdate): Promise<Project | undefined | 'conflict'>;
  /** Releases per status (count, latest created) of projects that are public or not (the groupBy scenario). */
  releaseGroups?(input: ReleaseStatsInput): Promise<ReleaseGroup[]>;
  /** Published releases of those projects: count, total downloads, latest release date (the aggregate scenario). */
  releaseTotals?(input: ReleaseStatsInput): Promise<ReleaseTotals>;
}
