// Vite config for the explainer page. The page imports the package exactly as a user
// would ('rope-wasm'); here that name points at the repo's built dist/.
import { defineConfig } from 'vite';
import { fileURLToPath } from 'node:url';

const webRoot = fileURLToPath(new URL('.', import.meta.url));
const packageEntry = fileURLToPath(new URL('../dist/index.js', import.meta.url));

export default defineConfig({
  root: webRoot,
  base: './',
  resolve: { alias: { 'rope-wasm': packageEntry } },
  optimizeDeps: { exclude: ['rope-wasm'] },
  worker: { format: 'es' },
  build: {
    outDir: fileURLToPath(new URL('./dist', import.meta.url)),
    emptyOutDir: true,
    target: 'es2022',
    chunkSizeWarningLimit: 1200,
  },
  preview: { host: '127.0.0.1' },
  server: { host: '127.0.0.1' },
});
