import {MemoryStore} from '../../../server/store/memory-store.js';
import {describeStoreConformance} from './store-conformance.js';

describeStoreConformance('memory', async () => {
  const store = new MemoryStore();
  return {store, cleanup: () => store.close()};
});
