export { assert, InvariantViolation } from './assert.ts';
export { DomainError, notFound, badRequest } from './errors.ts';
export * from './bytes.ts';
export type { Notice, Notify } from './notify.ts';
export { notifyNobody } from './notify.ts';
export { newId } from './ids.ts';
export { encodeTimeCursor, decodeTimeCursor, everyPage, type Page, type PageRequest } from './cursor.ts';
export { deadline } from './deadline.ts';
