/**
 * The admin API's JSON-schema validation: strict, unlike Fastify's defaults. Bodies are not coerced
 * (a string is not a number) and unknown fields are rejected, not silently removed (Fastify's default
 * `removeAdditional`), so a bad request answers 400 and changes nothing. Path and query parameters
 * arrive as strings and are coerced (`limit=10` is a number).
 */
import { Ajv, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import type { FastifyInstance } from 'fastify';

const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;

function strictAjv(coerceTypes: boolean): Ajv {
  const ajv = new Ajv({ allErrors: false, coerceTypes, removeAdditional: false, useDefaults: false, strict: false });
  addFormats(ajv);
  return ajv;
}

/** Marks a body schema that may also be absent (action routes such as rotate-write-key and flush). */
export const OPTIONAL_BODY = 'x-optional-body';

type Validator = ((data: unknown) => boolean) & { errors?: ValidateFunction['errors'] };

export function installStrictValidation(app: FastifyInstance): void {
  const bodies = strictAjv(false);
  const parameters = strictAjv(true);
  app.setValidatorCompiler(({ schema, httpPart }): Validator => {
    if (httpPart !== 'body') return parameters.compile(schema);
    const validate = bodies.compile(schema);
    if ((schema as Record<string, unknown>)[OPTIONAL_BODY] !== true) return validate;
    const optional: Validator = (data) => {
      if (data === undefined || data === null) return true;
      const valid = validate(data);
      optional.errors = validate.errors;
      return valid;
    };
    return optional;
  });
}
