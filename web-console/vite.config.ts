import { defaultClientConditions, defineConfig } from 'vite';

// Where `npm run dev` sends API and socket traffic: the server's default port.
const API_TARGET = 'http://localhost:8080';

export default defineConfig({
  resolve: {
    // Bundle @varsel/shared from its TypeScript source, so the console never needs shared/dist.
    conditions: ['varsel-source', ...defaultClientConditions],
  },
  server: {
    proxy: {
      '/api': { target: API_TARGET, changeOrigin: false },
      '/socket.io': { target: API_TARGET, ws: true, changeOrigin: false },
    },
  },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: true,
    rollupOptions: {
      onwarn(warning, warn) {
        // zod 4.6 ships comments Rollup cannot place ("contains an annotation that Rollup cannot
        // interpret"); harmless, and not ours to fix. Every other warning still shows.
        if (warning.code === 'INVALID_ANNOTATION' && warning.id?.includes('/node_modules/zod/')) return;
        warn(warning);
      },
    },
  },
});
