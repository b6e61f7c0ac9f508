/** The Firefox binary to launch. */
export declare const FIREFOX_PATH: string;
/** Preferences that restore Firefox's default cookie protection under Puppeteer. */
export declare const FIREFOX_PREFS: Readonly<Record<string, string | number | boolean>>;
