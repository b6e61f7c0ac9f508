import {RedisThrottleCounter} from '../../../server/http/redis-throttle-counter.js';
import {useRedisCluster} from '../../support/redis-cluster.js';
import {describeThrottleCounterConformance} from './throttle-counter-conformance.js';

// The Redis throttle counter on a Redis Cluster (3 masters, 3 replicas): every script's keys share
// the {throttle} hash tag, so a take on name and address never spans two slots (no CROSSSLOT).

const cluster = useRedisCluster();
let prefixSeq = 0;

describeThrottleCounterConformance('redis+cluster', (options) => {
  const prefix = `tc${++prefixSeq}:`;
  const counter = new RedisThrottleCounter(cluster.get().url, {...options, prefix});
  return Promise.resolve({
    counter,
    async cleanup() {
      await counter.close();
      await cluster.get().deleteKeys(`${prefix}*`);
    },
  });
});
