/**
 * The API's field problems (`details` of a 400 `validation_failed`: `{field, problem}` with paths such
 * as `body.config.pixel_id`) in the words a person reads next to an input. Problems come from two
 * validators (Ajv on the route, TypeBox for a destination's config), so both phrasings are known.
 */
import { ApiError } from './api.ts';

export interface FieldProblem {
  field: string;
  problem: string;
}

/** What a known pattern asks for; a pattern not listed is shown as the API wrote it. */
const PATTERNS: Record<string, string> = {
  '^[0-9]{5,20}$': '5 to 20 digits',
  '^[A-Za-z]{2}$': 'two letters, a country code such as BR or US',
  '^v[0-9]+\\.[0-9]+$': 'a version such as v25.0',
};

const RULES: [RegExp, (m: RegExpExecArray) => string][] = [
  // Ajv: must match pattern "^…$"; TypeBox: Expected string to match '^…$'
  [/^(?:must match pattern "(.+)"|Expected string to match '(.+)')$/, (m) => PATTERNS[m[1] ?? m[2] ?? ''] ?? m[0]],
  [
    /^(?:must NOT have fewer than|Expected string length greater or equal to) (\d+)(?: characters)?$/,
    (m) => (m[1] === '1' ? 'cannot be empty' : `at least ${m[1]} characters`),
  ],
  [
    /^(?:must NOT have more than|Expected string length less or equal to) (\d+)(?: characters)?$/,
    (m) => `at most ${m[1]} characters`,
  ],
  [/^(?:must be >=|Expected (?:integer|number) to be greater or equal to) (-?[\d.]+)$/, (m) => `at least ${m[1]}`],
  [/^(?:must be <=|Expected (?:integer|number) to be less or equal to) (-?[\d.]+)$/, (m) => `at most ${m[1]}`],
  [/^(?:is required|Expected required property)$/, () => 'required'],
  [/^(?:must be integer|Expected integer)$/, () => 'a whole number'],
  [/^(?:must be string|Expected string)$/, () => 'must be text'],
  [/^must match format "uuid"$/, () => 'an id (UUID)'],
  [/^is not an allowed field$/, () => 'not a field this accepts'],
];

export function humanProblem(problem: string): string {
  for (const [re, say] of RULES) {
    const m = re.exec(problem);
    if (m) return say(m);
  }
  return problem;
}

/** `details` as `{field, problem}` rows when it is such a list (other codes carry other shapes). */
export function asFieldProblems(details: unknown): FieldProblem[] {
  if (!Array.isArray(details)) return [];
  return details.filter(
    (p: unknown): p is FieldProblem =>
      typeof p === 'object' &&
      p !== null &&
      typeof (p as FieldProblem).field === 'string' &&
      typeof (p as FieldProblem).problem === 'string',
  );
}

/** The field problems an error carries (none for errors that are not 400s with details). */
export function problemsOf(error: unknown): FieldProblem[] {
  return error instanceof ApiError ? asFieldProblems(error.details) : [];
}

export interface FormProblems {
  /** The message for an input, by its API path (`body.config.pixel_id`), e.g. "Pixel ID: 5 to 20 digits". */
  of(field: string): string | undefined;
  /** Problems with no input on the form, as lines. */
  rest: string[];
  /** Whether any problem has its input on the form. */
  anyField: boolean;
}

/**
 * Splits an error's field problems between the inputs of a form (`labels`: API path → the label a
 * person sees) and the rest. One message per field: the API may list two for one (missing, wrong type).
 */
export function formProblems(error: unknown, labels: Record<string, string>): FormProblems {
  const byField = new Map<string, string>();
  const rest: string[] = [];
  for (const p of problemsOf(error)) {
    const label = labels[p.field];
    if (label === undefined) rest.push(`${p.field}: ${humanProblem(p.problem)}`);
    else if (!byField.has(p.field)) byField.set(p.field, `${label}: ${humanProblem(p.problem)}`);
  }
  return { of: (field) => byField.get(field), rest, anyField: byField.size > 0 };
}
