import { Command, InvalidArgumentError, Option } from 'commander';
import { type Api, count, failureMessage, runScript, scriptEnv, signedInClient } from './api.js';

/** The entities whose routers the API mounts (each has onChange). */
const entities = ['organization', 'user', 'profile', 'membership', 'project', 'tag', 'release'] as const;

const program = new Command()
  .name('watch')
  .description(
    "Print an entity's committed changes as JSON lines on stdout (one event a line, its id first), as the signed-in user may see them; resumable with --since.",
  )
  .addOption(new Option('--entity <name>', 'the entity to watch').choices(entities).makeOptionMandatory())
  .option('--since <eventId>', 'replay what happened after this event first', (v: string) => {
    if (!/^\d{1,19}$/.test(v)) throw new InvalidArgumentError('must be an event id (digits)');
    return v;
  })
  .option('--count <n>', 'exit after this many events', count)
  .action(async (opts: { entity: (typeof entities)[number]; since?: string; count?: number }) => {
    const env = scriptEnv.parse(process.env);
    const api = await signedInClient(env);
    let seen = 0;
    await new Promise<void>((resolve, reject) => {
      // every entity's onChange takes the same { lastEventId }; only its `where` differs
      const onChange = (api[opts.entity] as unknown as Api['project']).onChange;
      const sub = onChange.subscribe(opts.since ? { lastEventId: opts.since } : undefined, {
        onStarted: () => console.error(`watching ${opts.entity}${opts.since ? ` after ${opts.since}` : ''}`),
        onData: (event) => {
          process.stdout.write(
            `${JSON.stringify(event.data, (_k, v) => (typeof v === 'bigint' ? v.toString() : v))}\n`,
          );
          seen++;
          if (opts.count !== undefined && seen >= opts.count) {
            sub.unsubscribe();
            resolve();
          }
        },
        onError: (e) => reject(e),
        onComplete: () => resolve(),
      });
      process.once('SIGINT', () => {
        sub.unsubscribe();
        resolve();
      });
    }).catch((e: unknown) => {
      throw new Error(failureMessage(e, env.API_URL));
    });
  });

runScript(program);
