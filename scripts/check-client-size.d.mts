/** The budgets: bytes of gzip -9, and of brotli 11. */
export declare const CLIENT_GZIP_BUDGET: number;
export declare const CLIENT_BROTLI_BUDGET: number;
/** Raw, gzip -9 and brotli 11 sizes of the bundle, in bytes. */
export declare function clientSize(file?: string): {
  file: string;
  raw: number;
  gzip: number;
  brotli: number;
};
/** The stable entry a page loads. */
export declare const CLIENT_ENTRY: string;
/** The hashed module the stable entry imports. */
export declare function clientModule(entry?: string): string;
