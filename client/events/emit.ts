/**
 * Dispatches a CustomEvent from an element with the defaults every moin event uses: it bubbles and
 * crosses shadow roots (`composed`), so a listener on `document` hears it.
 */
export function emit<T>(target: EventTarget, type: string, detail: T): boolean {
  return target.dispatchEvent(new CustomEvent<T>(type, {bubbles: true, composed: true, detail}));
}
