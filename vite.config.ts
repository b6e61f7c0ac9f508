import {defineConfig} from 'vite';

// The client is one ES module that registers both elements; lit and idb-keyval are bundled in so
// a wiki on another origin loads a single file.
export default defineConfig({
  build: {
    outDir: 'dist/client',
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: true,
    lib: {entry: 'client/index.ts', formats: ['es'], fileName: () => 'moin-session.js'},
  },
});
