export { type AppOptions, type AppServices, buildApp } from './app.js';
export { type Config, ConfigError, configSchema, loadConfig } from './config.js';
export { DatabaseInUseError, lockDataDir } from './data-lock.js';
export {
  DatabaseUnreachableError,
  defaultMigrationsDir,
  type PrepareOptions,
  type PrepareResult,
  prepareDatabase,
  type SeedResult,
  seedDatabase,
} from './prepare-database.js';
export { type Running, startServer, stopOnSignals } from './server.js';
