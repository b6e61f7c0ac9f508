import minifyHtmlLiterals from '@lit-labs/rollup-plugin-minify-html-literals';
import {defineConfig, type Plugin} from 'vite';

// The client is one ES module that registers both elements; lit and idb-keyval are bundled in so
// a wiki on another origin loads a single file.
export default defineConfig({
  // Lit's html`` and css`` strings ship as written, indentation included: Lit's own minifier for
  // template literals (html-minifier-next and lightningcss underneath) squeezes them, and a
  // template it cannot parse fails the build instead of shipping unminified. It goes by the tag's
  // name, so the elements' own `css` (client/components/moin-element.ts) is squeezed too. Its types
  // are Rollup's; Vite 8 (Rolldown) runs its transform hook as it is.
  plugins: [
    minifyHtmlLiterals({include: ['client/**/*.ts'], failOnError: true}) as unknown as Plugin,
  ],
  // Always Lit's production build: Vite picks the `development` export condition whenever
  // NODE_ENV is not "production" (vitest's global setup runs the build with NODE_ENV=test), and
  // that build is 3.8 KB gzip larger and logs "Lit is in dev mode".
  resolve: {conditions: ['module', 'browser', 'production']},
  build: {
    outDir: 'dist/client',
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: true,
    lib: {entry: 'client/index.ts', formats: ['es'], fileName: () => 'moin-session.js'},
    // Library builds keep whitespace unless told (build.minify alone leaves it in 'es' format).
    rolldownOptions: {output: {minify: true}},
  },
});
