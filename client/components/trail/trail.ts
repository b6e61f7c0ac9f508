import {MoinTrail} from './trail.component.js';

export * from './trail.component.js';
export default MoinTrail;

// Another copy of the bundle (another version, say) may have defined the tag already.
if (!customElements.get('moin-trail')) customElements.define('moin-trail', MoinTrail);

declare global {
  interface HTMLElementTagNameMap {
    'moin-trail': MoinTrail;
  }
}
