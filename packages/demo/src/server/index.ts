// The demo's server side: its app router (owner of `AppRouter`), sign-in, services, hooks, seeds.
export { type AppRouter, appRouter } from './app-router.js';
export {
  acceptInvitation,
  authRouter,
  createRequestContext,
  loadPrincipal,
  type SessionTokens,
  setPassword,
  startSession,
} from './auth.js';
export { demoPassword, seedDemo } from './seed.js';
export {
  type AdminAccount,
  type AppServices,
  type AppServicesOptions,
  createAppServices,
  createSystemServices,
  ensureAdmin,
  hooks,
} from './services.js';
