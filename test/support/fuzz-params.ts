import type {Parameters} from 'fast-check';

// A fixed seed keeps every run of the suite identical (and a failure reproducible from the seed
// fast-check prints with it); MOIN_FUZZ_SEED=random explores, MOIN_FUZZ_SEED=N replays.
const env = process.env['MOIN_FUZZ_SEED'];
/** The seed of this run. */
const FUZZ_SEED = env === 'random' ? Date.now() | 0 : env ? Number(env) : 0x6d6f696e;

/**
 * fast-check parameters for a bounded run: `numRuns` cases from the run's seed. fast-check's
 * failure report names the seed and the shrunk counter-example.
 */
export function fuzzParams<T>(numRuns: number): Parameters<T> {
  return {seed: FUZZ_SEED, numRuns, endOnFailure: false};
}
