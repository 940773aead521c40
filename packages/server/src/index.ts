export * from './core/index.js';
export { type AppRouter, appRouter } from './domain/app-router.js';
export { authRouter, createRequestContext, loadPrincipal, setPassword } from './domain/auth.js';
export { demoPassword, seedDemo } from './domain/seed.js';
export {
  type AdminAccount,
  type AppServices,
  type AppServicesOptions,
  createAppServices,
  createSystemServices,
  ensureAdmin,
  hooks,
} from './domain/services.js';
