import {defineConfig, type Plugin} from 'vite';

// Lit's html`` and css`` strings ship as written, indentation included. Template literals in
// client/ are only such strings, and JavaScript ignores indentation, so the leading whitespace of
// every line can go; *.styles.ts files (a static css``) are squeezed further. Lines of code are
// kept, so the source map stays right (`map: null`).
function squeezeTemplates(): Plugin {
  return {
    name: 'moin-squeeze-templates',
    transform(code, id) {
      if (!/[\\/]client[\\/].*\.ts$/.test(id)) return null;
      let out = code.replace(/\n[ \t]+/g, '\n');
      if (id.endsWith('.styles.ts')) {
        // Only static CSS follows in these files, so joining its lines moves nothing that maps.
        out = out.replace(/css`([^`$]*)`/g, (_, text: string) => {
          const min = text
            .replace(/\/\*[\s\S]*?\*\//g, '')
            .replace(/\s+/g, ' ')
            .replace(/ ?([{};,>]) ?/g, '$1')
            .replace(/: /g, ':')
            .replace(/;}/g, '}');
          return `css\`${min.trim()}\``;
        });
      }
      return {code: out, map: null};
    },
  };
}

// The client is one ES module that registers both elements; lit and idb-keyval are bundled in so
// a wiki on another origin loads a single file.
export default defineConfig({
  plugins: [squeezeTemplates()],
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
