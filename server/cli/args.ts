import {parseArgs, type ParseArgsConfig} from 'node:util';
import {UsageError} from './io.js';

type Options = NonNullable<ParseArgsConfig['options']>;

/** Parsed flags and positionals of one command. */
export interface ParsedArgs {
  values: Record<string, string | boolean | undefined>;
  positionals: string[];
}

/**
 * Parses a command's arguments strictly (unknown flags, missing values and extra positionals are
 * {@link UsageError}s with a one-line message naming the argument). `--help` is always accepted.
 */
export function parseCommandArgs(
  command: string,
  args: string[],
  options: Options,
  positionals: {min: number; max: number; names: string}
): ParsedArgs {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      options: {...options, help: {type: 'boolean', short: 'h'}},
      allowPositionals: true,
      strict: true,
    });
  } catch (err) {
    throw new UsageError(`${command}: ${describeParseError(err as Error & {code?: string})}`);
  }
  const values = parsed.values as Record<string, string | boolean | undefined>;
  if (values['help']) return {values, positionals: parsed.positionals};
  const n = parsed.positionals.length;
  if (n < positionals.min) throw new UsageError(`${command}: missing ${positionals.names}`);
  if (n > positionals.max) {
    throw new UsageError(
      `${command}: unexpected argument "${parsed.positionals[positionals.max]}"`
    );
  }
  return {values, positionals: parsed.positionals};
}

function describeParseError(err: Error & {code?: string}): string {
  const quoted = /'([^']+)'/.exec(err.message)?.[1] ?? '';
  switch (err.code) {
    case 'ERR_PARSE_ARGS_UNKNOWN_OPTION':
      return `unknown option ${quoted}`;
    case 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE':
      return `${quoted.split(' ')[0]} needs a value`;
    default:
      return err.message.split('\n')[0] ?? 'bad arguments';
  }
}

/** A `--port` value: a whole number from 0 to 65535. */
export function portArg(value: string | boolean | undefined): number | undefined {
  if (value === undefined || typeof value === 'boolean') return undefined;
  if (!/^\d{1,5}$/.test(value) || Number(value) > 65535) {
    throw new UsageError(`--port: must be a whole number from 0 to 65535, got "${value}"`);
  }
  return Number(value);
}

/** A string flag's value (parseArgs gives strings for `type: 'string'`). */
export function stringArg(value: string | boolean | undefined): string | undefined {
  return typeof value === 'string' ? value : undefined;
}
