import type { FastifyInstance } from 'fastify';
import responseValidation from '@fastify/response-validation';
import { Ajv } from 'ajv';
import formats from 'ajv-formats';
import { ProblemSchema } from './problem.ts';
import { ReceiptView } from '../ledger/schema.ts';

/** Routes share schemas by $id (Block, Problem…): compile each once, reuse it after. */
function sharedIdAjv(): Ajv {
  const ajv = new Ajv({ allErrors: true, removeAdditional: false, coerceTypes: false, useDefaults: false, strict: false });
  const compile = ajv.compile.bind(ajv) as (schema: object) => ReturnType<Ajv['compile']>;
  (ajv as { compile: unknown }).compile = (schema: object) => {
    const id = (schema as { $id?: unknown }).$id;
    return (typeof id === 'string' ? ajv.getSchema(id) : undefined) ?? compile(schema);
  };
  return ajv;
}

/**
 * Every JSON answer checked against its route's response schema before it is sent: a handler that
 * drifts from its documented shape answers 500 in tests instead of shipping an undocumented field.
 * Strict: nothing is removed or coerced, so an extra or mistyped field is an error.
 */
export async function installResponseValidation(app: FastifyInstance): Promise<void> {
  const ajv = sharedIdAjv();
  formats.default(ajv);
  // The schemas routes refer to by $ref (fastify's addSchema), known here too.
  ajv.addSchema(ProblemSchema);
  ajv.addSchema(ReceiptView);
  await app.register(responseValidation, { ajv });
}
