#!/usr/bin/env node
import { Command } from 'commander';
import { ConfigError, loadConfig } from './config.js';
import { startServer, stopOnSignals } from './server.js';

const program = new Command()
  .name('typecrud')
  .description('The typecrud API: serve it, and manage its database.')
  .showHelpAfterError();

program
  .command('serve')
  .description('Start the HTTP API (PGlite under DATA_DIR unless DATABASE_URL is set); creates and seeds a new database')
  .action(async () => {
    const config = loadConfig();
    const running = await startServer(config);
    stopOnSignals(running, config.SHUTDOWN_TIMEOUT_MS);
  });

program.parseAsync(process.argv).catch((err: unknown) => {
  if (err instanceof ConfigError) {
    console.error(err.message);
    process.exit(2);
  }
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
