/**
 * The PostgreSQL server the benchmark's database lives on (a dedicated database, dropped and seeded
 * per run): BENCH_ADMIN_URL, else the tests' TEST_DATABASE_URL, else the local default.
 */
export const configuredAdminUrl = process.env.BENCH_ADMIN_URL ?? process.env.TEST_DATABASE_URL;
export const adminUrl = configuredAdminUrl ?? 'postgres://postgres@127.0.0.1:5432/postgres';
export const benchDatabase = process.env.BENCH_DATABASE ?? 'typecrud_bench';
export const benchUrl = (database = benchDatabase) => adminUrl.replace(/\/[^/]*$/, `/${database}`);

/** Every contender's pool: the same size, so no one wins by holding more connections. */
export const poolSize = 10;

/** The seeded data: a realistic amount, the same ids on every engine (md5-derived uuids). */
export interface SeedSize {
  organizations: number;
  projects: number;
  tags: number;
  releasesPerProject: number;
}
export const fullSeed: SeedSize = { organizations: 50, projects: 2000, tags: 10, releasesPerProject: 10 };
export const smokeSeed: SeedSize = { organizations: 3, projects: 60, tags: 5, releasesPerProject: 3 };

/** Rows written by the write scenarios carry this note, so they can be removed between cells. */
export const benchNote = 'bench';
