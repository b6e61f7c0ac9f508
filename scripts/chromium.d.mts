/** The Chromium binary to launch. */
export declare const CHROMIUM_PATH: string;
/** The launch flags. */
export declare const CHROMIUM_ARGS: readonly string[];
