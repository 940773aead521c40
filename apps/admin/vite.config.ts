import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

/** Where `pnpm dev` sends API calls: the API's own port (`pnpm start` serves on 3000). */
const api = process.env.API_URL ?? 'http://127.0.0.1:3000';

export default defineConfig({
  plugins: [react()],
  // One bundle for the whole app (react, tRPC, zod and the shared schema): ~450 kB, ~135 kB gzipped.
  build: { outDir: 'dist', emptyOutDir: true, sourcemap: true, chunkSizeWarningLimit: 700 },
  server: { host: '127.0.0.1', port: 5173, proxy: { '/trpc': api, '/health': api } },
});
