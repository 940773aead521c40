import { Command } from 'commander';
import { count, progress, runScript, scriptEnv, signedInClient } from './api.js';
import { seedThroughApi } from './seed.js';

const program = new Command()
  .name('seed-demo')
  .description(
    'Seed an organization with projects, tags and releases through the API (API_URL, TYPECRUD_EMAIL, TYPECRUD_PASSWORD).',
  )
  .option('--slug <slug>', 'organization slug (reused when it exists)', 'demo-scripts')
  .option('--projects <n>', 'how many projects', count, 20)
  .option('--releases <n>', 'releases per project (0: none)', count, 3)
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

runScript(program);
