// The control side of a bench target (bench/ws-target.mjs): a second HTTP server in the target's
// own process, for the bench only. `GET /loop` answers the largest event-loop delay (and p99) seen
// inside the server process since the last `GET /loop`, from perf_hooks.monitorEventLoopDelay, and
// starts a new window; `POST /purge` runs the store's purge of expired sessions (the same
// `store.purgeExpired` the store's own timer calls) and answers how many rows it removed.
import {createServer} from 'node:http';
import {monitorEventLoopDelay} from 'node:perf_hooks';

const ms = (ns) => Math.round(ns / 1e4) / 100;

/** Starts the control server on 127.0.0.1:0 beside `service`; resolves with its URL. */
export function startControl(service) {
  const loop = monitorEventLoopDelay({resolution: 2});
  loop.enable();
  const server = createServer((req, res) => {
    const answer = (body) => {
      res.writeHead(200, {'content-type': 'application/json'});
      res.end(JSON.stringify(body));
    };
    if (req.url === '/loop') {
      // The histogram's delays include its own 2 ms timer resolution.
      answer({maxMs: ms(loop.max), p99Ms: ms(loop.percentile(99)), meanMs: ms(loop.mean)});
      loop.reset();
    } else if (req.url === '/purge' && req.method === 'POST') {
      const t = performance.now();
      service.store.purgeExpired(Date.now()).then(
        (purged) => answer({purged, ms: Math.round(performance.now() - t)}),
        (err) => answer({error: String(err?.message ?? err)})
      );
    } else {
      res.writeHead(404).end();
    }
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      server.unref();
      resolve(`http://127.0.0.1:${server.address().port}`);
    });
  });
}

/** The bench side: reads (and resets) the target's event-loop window. */
export async function loopWindow(control) {
  return (await fetch(`${control}/loop`)).json();
}
