// Validation of results.json against results.schema.json (ajv, draft-07).
import Ajv from 'ajv';
import type { ErrorObject, ValidateFunction } from 'ajv';
import schema from './results.schema.json';
import type { RunResults } from './model';

export class ReportError extends Error {
  override name = 'ReportError';
}

let validator: ValidateFunction | undefined;

function compile(): ValidateFunction {
  if (!validator) {
    const ajv = new Ajv({ allErrors: true, strict: true });
    // ISO 8601 timestamps as Date.toISOString() writes them; no extra package needed for one format.
    ajv.addFormat('date-time', (s: string) => /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/.test(s) && !Number.isNaN(Date.parse(s)));
    validator = ajv.compile(schema);
  }
  return validator;
}

function describe(errors: ErrorObject[] | null | undefined): string {
  return (errors ?? [])
    .slice(0, 5)
    .map((e) => `${e.instancePath || '(top)'} ${e.message ?? ''}${e.params && 'additionalProperty' in e.params ? ` (${String(e.params.additionalProperty)})` : ''}`)
    .join('; ');
}

/** Throws ReportError naming the first problems when `data` is not a valid RunResults. */
export function validateResults(data: unknown, where = 'results.json'): RunResults {
  const validate = compile();
  if (!validate(data)) throw new ReportError(`${where} does not match the results schema: ${describe(validate.errors)}`);
  return data as RunResults;
}

export { schema as resultsSchema };
