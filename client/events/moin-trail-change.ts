/** `detail` of `moin-trail-change`. */
export interface MoinTrailChangeDetail {
  /** The trail as displayed now, oldest first. */
  trail: string[];
}

/** Fired by `<moin-trail>` whenever the trail it shows changes (also on the first paint). */
export type MoinTrailChangeEvent = CustomEvent<MoinTrailChangeDetail>;

declare global {
  interface GlobalEventHandlersEventMap {
    'moin-trail-change': MoinTrailChangeEvent;
  }
}
