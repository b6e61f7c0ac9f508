import {MemoryThrottleCounter} from '../../../server/http/memory-throttle-counter.js';
import {describeThrottleCounterConformance} from './throttle-counter-conformance.js';

describeThrottleCounterConformance('memory', (options) => {
  const counter = new MemoryThrottleCounter(options);
  return Promise.resolve({counter, cleanup: () => counter.close()});
});
