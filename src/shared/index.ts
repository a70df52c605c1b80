export { assert, InvariantViolation } from './assert.ts';
export { DomainError, notFound, badRequest } from './errors.ts';
export * from './bytes.ts';
