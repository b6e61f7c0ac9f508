export {SessionController} from './session-controller.js';
export type {SessionHost} from './session-controller.js';
