import { callError } from '@typecrud/client';
import { Command } from 'commander';
import { progress, scriptEnv, signedInClient } from './api.js';
import { seedThroughApi } from './seed.js';

const program = new Command()
  .name('seed-demo')
  .description(
    'Seed an organization with projects, tags and releases through the API (API_URL, TYPECRUD_EMAIL, TYPECRUD_PASSWORD).',
  )
  .option('--slug <slug>', 'organization slug (reused when it exists)', 'demo-scripts')
  .option('--projects <n>', 'how many projects', (v) => Number.parseInt(v, 10), 20)
  .option('--releases <n>', 'releases per project', (v) => Number.parseInt(v, 10), 3)
  .action(async (opts: { slug: string; projects: number; releases: number }) => {
    const env = scriptEnv.parse(process.env);
    const api = await signedInClient(env);
    const result = await seedThroughApi(api, {
      slug: opts.slug,
      projects: opts.projects,
      releasesPerProject: opts.releases,
      onProgress: progress('projects', opts.projects),
    });
    console.log(JSON.stringify(result));
  });

program.parseAsync().catch((e: unknown) => {
  const err = callError(e);
  console.error(err ? `${err.code}: ${err.message}` : e instanceof Error ? e.message : e);
  process.exit(1);
});
