import type { OpenAPIObject } from '@nestjs/swagger';
import { DEPT_FIELD_MAX, DEPT_TEXT_PATTERN, DEPT_TEXT_RULE } from '@app/departments';

const REASONS: Record<number, string> = {
  400: 'Invalid input: a field or the path id breaks the rules (see the schema), invalid JSON or UTF-8, JSON nested too deep, an unknown field, a query string (no route takes one)',
  404: 'No such department',
  409: 'A department with this deptNo or deptName already exists',
  413: 'The body is larger than BODY_LIMIT_BYTES',
  415: 'The body is not application/json in UTF-8',
  503: 'MariaDB or Redis is unavailable, or the statement was rolled back (deadlock, lock wait timeout); retry after Retry-After seconds',
};

/**
 * Every answer of every operation, as the bad-input corpus observes them (test/dept-api.openapi.spec.ts
 * checks the two agree). A known path asked with another method answers 405 with an Allow header.
 */
export const DOCUMENTED_ERRORS: Record<string, number[]> = {
  'get /v1/departments': [400, 503],
  'get /v1/departmentsNoCache': [400, 503],
  'get /v1/department/{deptNo}': [400, 404, 503],
  'put /v1/department': [400, 404, 409, 413, 415, 503],
  'delete /v1/department/{deptNo}': [400, 404, 413, 415, 503],
  'post /api/departments': [400, 409, 413, 415, 503],
  'post /api/departmentRedises': [400, 413, 415, 503],
  'get /api/departmentRedises/{deptNo}': [400, 404, 503],
  'delete /api/departmentRedises/{deptNo}': [400, 404, 413, 415, 503],
  'get /health/ready': [503],
};

const ERROR_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  required: ['statusCode', 'error', 'message'],
  properties: {
    statusCode: { type: 'integer', example: 400 },
    error: { type: 'string', example: 'Bad Request' },
    message: { oneOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' } }] },
  },
};

/**
 * What Nest's generator leaves out: the error answers with their `{statusCode, error, message}`
 * body, `additionalProperties: false` on every body schema (unknown fields are 400), the path id's
 * rule, and that bodies are UTF-8 JSON only.
 */
export function completeDocument(doc: OpenAPIObject): void {
  doc.components ??= {};
  doc.components.schemas ??= {};
  for (const schema of Object.values(doc.components.schemas) as Array<Record<string, unknown>>) {
    if (schema.type === 'object' || schema.properties) schema.additionalProperties = false;
  }
  doc.components.schemas.Error = ERROR_SCHEMA;
  doc.components.responses = {
    MethodNotAllowed: {
      description: 'A known path asked with a method it does not have; the Allow header lists the ones it has',
      headers: { Allow: { schema: { type: 'string' } } },
      content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
    },
  };
  doc.info.description = `${doc.info.description ?? ''}. Errors are {statusCode, error, message}; a known path asked with another method answers 405 with Allow (components.responses.MethodNotAllowed).`;
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(item as Record<string, any>)) {
      if (!op || typeof op !== 'object' || !op.responses) continue;
      for (const p of op.parameters ?? []) {
        if (p.in === 'path' && p.name === 'deptNo') {
          p.schema = { type: 'string', minLength: 1, maxLength: DEPT_FIELD_MAX, pattern: DEPT_TEXT_PATTERN };
          p.description = `${DEPT_TEXT_RULE}; not "." or ".."; percent-encoded as UTF-8`;
        }
      }
      if (op.requestBody?.content?.['application/json']) op.requestBody.required = true;
      for (const status of DOCUMENTED_ERRORS[`${method} ${path}`] ?? []) {
        op.responses[String(status)] = {
          description: REASONS[status],
          ...(status === 503 ? { headers: { 'Retry-After': { schema: { type: 'integer' } } } } : {}),
          content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
        };
      }
    }
  }
}
