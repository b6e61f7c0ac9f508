/** The budget: bytes of gzip -9. */
export declare const CLIENT_GZIP_BUDGET: number;
/** Raw, gzip -9 and brotli 11 sizes of the bundle, in bytes. */
export declare function clientSize(file?: string): {
  file: string;
  raw: number;
  gzip: number;
  brotli: number;
};
