export {TabChannel} from './tab-channel.js';
export type {TabMessage} from './tab-channel.js';
