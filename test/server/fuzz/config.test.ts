import fc from 'fast-check';
import {describe, expect, it} from 'vitest';
import {CONFIG_KEYS, ConfigError, DEFAULT_CONFIG, resolveConfig} from '../../../shared/index.js';
import {VALID, hostileValue, unknownKey, validConfig} from './config-arbitraries.js';
import {fuzzParams} from '../../support/fuzz-params.js';

const KEYS = new Set<string>(CONFIG_KEYS);

// The key a ConfigError names: a config key, an element of a list key ("superuser[2]") or the
// whole file.
/** The top-level key an error names: `superuser[2]` and `auth[0].method` name their list. */
function namedKey(err: ConfigError): string {
  return err.key.replace(/\[\d+\](\.\w+)?$/, '');
}

function resolveOrError(input: unknown): {config?: unknown; error?: unknown} {
  try {
    return {config: resolveConfig(input)};
  } catch (error) {
    return {error};
  }
}

describe('resolveConfig under fuzzing', () => {
  it('accepts every valid config and fills in the defaults', () => {
    fc.assert(
      fc.property(validConfig(), (input) => {
        const config = resolveConfig(structuredClone(input));
        for (const key of CONFIG_KEYS) {
          expect(config[key]).toEqual(key in input ? input[key] : DEFAULT_CONFIG[key]);
        }
      }),
      fuzzParams(2000)
    );
  });

  it('refuses anything that is not an object with a ConfigError naming the file', () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.anything(), fc.array(fc.anything())).filter(
          // undefined is "no config file": the defaults.
          (v) => v !== undefined && (typeof v !== 'object' || v === null || Array.isArray(v))
        ),
        (input) => {
          const {error} = resolveOrError(input);
          expect(error).toBeInstanceOf(ConfigError);
          expect((error as ConfigError).key).toBe('(file)');
        }
      ),
      fuzzParams(500)
    );
  });

  it('throws only ConfigError for one hostile value, naming that key', () => {
    const key = fc.constantFrom(...CONFIG_KEYS);
    fc.assert(
      fc.property(validConfig(), key, hostileValue(), (base, k, value) => {
        const input: Record<string, unknown> = {...base, [k]: value};
        const {error} = resolveOrError(input);
        if (error === undefined) return;
        expect(error).toBeInstanceOf(ConfigError);
        const e = error as ConfigError;
        // "None" is checked against cookie_secure, so either key may be named for that pair.
        const expected = k === 'cookie_secure' ? ['cookie_secure', 'cookie_samesite'] : [k];
        if (value === 'None' && k === 'cookie_samesite') expected.push('cookie_samesite');
        expect(expected).toContain(namedKey(e));
        expect(e.message.startsWith(`config: ${e.key}: `)).toBe(true);
      }),
      fuzzParams(5000)
    );
  });

  it('refuses unknown keys by name', () => {
    fc.assert(
      fc.property(
        validConfig(),
        unknownKey().filter((k) => !KEYS.has(k)),
        fc.jsonValue(),
        (base, k, value) => {
          const input = JSON.parse(JSON.stringify({...base, [k]: value})) as Record<
            string,
            unknown
          >;
          // JSON.parse makes "__proto__" an own key, exactly as a config file would.
          if (!Object.hasOwn(input, k)) return;
          const {error} = resolveOrError(input);
          expect(error).toBeInstanceOf(ConfigError);
          expect((error as ConfigError).key).toBe(k);
        }
      ),
      fuzzParams(2000)
    );
  });

  it('refuses names every object inherits, such as "toString" and "__proto__"', () => {
    for (const text of ['{"toString": 1}', '{"constructor": null}', '{"__proto__": {"port": 1}}']) {
      const {error} = resolveOrError(JSON.parse(text));
      expect(error).toBeInstanceOf(ConfigError);
    }
  });

  it('never lets a resolved config share state with the defaults or the input', () => {
    fc.assert(
      fc.property(fc.record({superuser: VALID.superuser}), (input) => {
        const a = resolveConfig(input);
        a.superuser.push('Mallory');
        a.cookie_lifetime[0] = 99;
        expect(input.superuser).not.toContain('Mallory');
        expect(resolveConfig({}).superuser).toEqual([]);
        expect(DEFAULT_CONFIG.cookie_lifetime).toEqual([0, 12]);
      }),
      fuzzParams(200)
    );
  });

  it('parses random config file text to a config or a ConfigError, never another error', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.json({maxDepth: 3}),
          validConfig().map((c) => JSON.stringify(c)),
          fc
            .tuple(validConfig(), fc.constantFrom(...CONFIG_KEYS), hostileValue())
            .map(([c, k, v]) => JSON.stringify({...c, [k]: v}) ?? '{}')
        ),
        (text) => {
          const {error} = resolveOrError(JSON.parse(text));
          if (error !== undefined) expect(error).toBeInstanceOf(ConfigError);
        }
      ),
      fuzzParams(3000)
    );
  });
});
