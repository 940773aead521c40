import { Command } from 'commander';
import { progress, runScript, scriptEnv, signedInClient } from './api.js';
import { exportProjects } from './export.js';

const program = new Command()
  .name('export-projects')
  .description(
    'Write every project of an organization (with releases and tags) as JSON lines to stdout; progress goes to stderr.',
  )
  .requiredOption('--slug <slug>', 'organization slug')
  .action(async (opts: { slug: string }) => {
    const api = await signedInClient(scriptEnv.parse(process.env));
    const org = (await api.organization.list.query({ where: { slug: opts.slug }, limit: 1 })).items[0];
    if (!org) throw new Error(`no organization with slug ${opts.slug}`);
    const total = await api.project.count.query({ where: { organizationId: org.id } });
    const report = progress('exported projects', total);
    let n = 0;
    for await (const project of exportProjects(api, org.id)) {
      process.stdout.write(
        `${JSON.stringify(project, (_k, v) => (typeof v === 'bigint' ? v.toString() : v))}\n`,
      );
      n++;
      if (n <= total) report(n);
    }
    console.error(`exported ${n} projects`);
  });

runScript(program);
