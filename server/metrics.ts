import {Counter, Gauge, Histogram, Registry, collectDefaultMetrics} from 'prom-client';

/**
 * Prometheus metrics, one registry per service (several services may share a process in tests).
 */
export class Metrics {
  readonly registry = new Registry();
  readonly httpRequests = new Counter({
    name: 'moin_http_requests_total',
    help: 'HTTP requests by route and status.',
    labelNames: ['route', 'status'] as const,
    registers: [this.registry],
  });
  readonly errors = new Counter({
    name: 'moin_errors_total',
    help: 'Errors answered, by code.',
    labelNames: ['code'] as const,
    registers: [this.registry],
  });
  readonly storeLatency = new Histogram({
    name: 'moin_store_seconds',
    help: 'Session store operation latency.',
    labelNames: ['op'] as const,
    buckets: [0.0001, 0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1],
    registers: [this.registry],
  });
  // issue 12: the SQLite store's transactions (its onCommit), failed ones under outcome="failed".
  readonly storeCommits = new Histogram({
    name: 'moin_store_commit_seconds',
    help: 'SQLite store transactions, BEGIN to COMMIT, by outcome.',
    labelNames: ['outcome'] as const,
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5, 1],
    registers: [this.registry],
  });
  readonly sockets = new Gauge({
    name: 'moin_sockets',
    help: 'Open WebSockets.',
    registers: [this.registry],
  });
  readonly messages = new Counter({
    name: 'moin_ws_messages_total',
    help: 'WebSocket messages by direction and type.',
    labelNames: ['direction', 'type'] as const,
    registers: [this.registry],
  });
  readonly sessions = new Gauge({
    name: 'moin_sessions',
    help: 'Live stored sessions (sampled at scrape time).',
    registers: [this.registry],
  });

  constructor(defaults = false) {
    if (defaults) collectDefaultMetrics({register: this.registry});
  }
}
