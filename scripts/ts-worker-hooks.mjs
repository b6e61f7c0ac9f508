// Registered with `--import` in a worker thread started from the TypeScript sources (the tests run
// them through vitest, which transpiles the main thread only): the worker then loads the same .ts
// files, transpiled by ts-worker-loader.mjs. dist/ never uses this.
import {register} from 'node:module';

register('./ts-worker-loader.mjs', import.meta.url);
