import {MoinSuBanner} from './su-banner.component.js';

export * from './su-banner.component.js';
export default MoinSuBanner;

// Another copy of the bundle (another version, say) may have defined the tag already.
if (!customElements.get('moin-su-banner')) customElements.define('moin-su-banner', MoinSuBanner);

declare global {
  interface HTMLElementTagNameMap {
    'moin-su-banner': MoinSuBanner;
  }
}
