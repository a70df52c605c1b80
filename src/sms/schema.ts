// JSON Schemas of the SMS code API: validation in, serialization out, and the OpenAPI source.
import { CONTEXT_PATTERN, SMS_PURPOSES } from './code.ts';

const time = { type: 'string', format: 'date-time' } as const;

export const NewSmsCodeBody = {
  type: 'object',
  required: ['purpose', 'context'],
  properties: {
    purpose: { type: 'string', enum: SMS_PURPOSES, description: 'What the code will authorize' },
    context: {
      type: 'string',
      pattern: CONTEXT_PATTERN,
      description: 'The one action the code authorizes, e.g. "checkout:<sha256 of the canonical checkout request>" or "order:<id>"; the code verifies for this context only',
    },
  },
  additionalProperties: false,
} as const;

export const SmsCodeIssuedView = {
  type: 'object',
  required: ['codeId', 'expiresAt'],
  description: 'The code itself travels only by SMS',
  properties: { codeId: { type: 'string' }, expiresAt: time },
  additionalProperties: false,
} as const;

export const DevSmsList = {
  type: 'object',
  required: ['messages'],
  description: 'Bounded (the last 10), so not a paged list',
  properties: {
    messages: {
      type: 'array',
      description: 'Newest first',
      items: {
        type: 'object',
        required: ['text', 'sentAt'],
        properties: { text: { type: 'string' }, sentAt: time },
        additionalProperties: false,
      },
    },
  },
  additionalProperties: false,
} as const;

export { problems } from '../http/schema.ts';
