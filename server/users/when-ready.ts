/**
 * `handler`, held back until `ready` settles: calls made before then run once it has, in order;
 * later calls go straight through (no await on the hot path). With no `ready`, `handler` itself.
 */
export function whenReady<A extends unknown[]>(
  ready: Promise<void> | undefined,
  handler: (...args: A) => void
): (...args: A) => void {
  if (ready === undefined) return handler;
  let settled = false;
  const done = ready.then(
    () => void (settled = true),
    () => void (settled = true)
  );
  return (...args: A) => {
    if (settled) handler(...args);
    else void done.then(() => handler(...args));
  };
}
