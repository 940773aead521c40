import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

/** Where `pnpm dev` sends API calls: API_URL, else the API's own PORT (default 3000, as `pnpm start`). */
const api = process.env.API_URL ?? `http://127.0.0.1:${process.env.PORT ?? 3000}`;

export default defineConfig({
  plugins: [react()],
  // No source maps in the build: what the API serves is public (`pnpm dev` has them).
  build: { outDir: 'dist', emptyOutDir: true, sourcemap: false, chunkSizeWarningLimit: 700 },
  server: { host: '127.0.0.1', port: 5173, proxy: { '/trpc': api, '/health': api } },
});
