import { callError } from '@typecrud/client';
import { Command } from 'commander';
import { scriptEnv, signedInClient } from './api.js';
import { exportProjects } from './export.js';

const program = new Command()
  .name('export-projects')
  .description('Write every project of an organization (with releases and tags) as JSON lines to stdout.')
  .requiredOption('--slug <slug>', 'organization slug')
  .action(async (opts: { slug: string }) => {
    const api = await signedInClient(scriptEnv.parse(process.env));
    const org = (await api.organization.list.query({ where: { slug: opts.slug }, limit: 1 })).items[0];
    if (!org) throw new Error(`no organization with slug ${opts.slug}`);
    let n = 0;
    for await (const project of exportProjects(api, org.id)) {
      process.stdout.write(
        `${JSON.stringify(project, (_k, v) => (typeof v === 'bigint' ? v.toString() : v))}\n`,
      );
      n++;
    }
    console.error(`exported ${n} projects`);
  });

program.parseAsync().catch((e: unknown) => {
  const err = callError(e);
  console.error(err ? `${err.code}: ${err.message}` : e instanceof Error ? e.message : e);
  process.exit(1);
});
