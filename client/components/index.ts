export {MoinSuBanner} from './su-banner/su-banner.component.js';
export {MoinTrail, pageHref} from './trail/trail.component.js';
export {fill, fillText} from './words.js';
