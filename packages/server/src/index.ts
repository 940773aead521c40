export * from './core/index.js';
export { type AppRouter, appRouter } from './domain/app-router.js';
export { seedDemo } from './domain/seed.js';
