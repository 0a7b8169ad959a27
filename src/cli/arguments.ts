import { UUID_PATTERN } from '../core/ids.ts';
import { CliError } from './errors.ts';

/** `value` when it is a UUID, else a one-line error naming the argument (`--tenant`, `<keyId>`) and what it is. */
export function uuidArgument(argument: string, what: string, value: string): string {
  // Checked here so a typo is named as such, not reported as a database error.
  if (UUID_PATTERN.test(value)) return value;
  throw new CliError(`${argument} must be ${what} (UUID), not ${JSON.stringify(value)}`);
}

export const tenantIdArgument = (value: string): string => uuidArgument('--tenant', 'a tenant id', value);

/** A name or label of at most `max` characters (the API's limit), optionally required to be non-blank. */
export function nameArgument(argument: string, value: string, { max = 200, required = false } = {}): string {
  if (required && value.trim() === '') throw new CliError(`${argument} must not be empty`);
  if ([...value].length > max) throw new CliError(`${argument} must be at most ${max} characters`);
  return value;
}

/** An integer option within `min`..`max` (either may be left open), else a one-line error naming the option. */
export function integerArgument(argument: string, value: string, { min = -Infinity, max = Infinity } = {}): number {
  const n = Number(value);
  if (value.trim() !== '' && Number.isSafeInteger(n) && n >= min && n <= max) return n;
  const range =
    min === -Infinity && max === Infinity
      ? 'an integer'
      : max === Infinity
        ? `an integer of at least ${min}`
        : `an integer from ${min} to ${max}`;
  throw new CliError(`${argument} must be ${range}, not ${JSON.stringify(value)}`);
}

/** One of `choices`, else a one-line error listing them. */
export function choiceArgument<T extends string>(argument: string, value: string, choices: readonly T[]): T {
  if ((choices as readonly string[]).includes(value)) return value as T;
  throw new CliError(`${argument} must be one of ${choices.join(', ')}, not ${JSON.stringify(value)}`);
}
