import { randomBytes } from 'node:crypto';

/** A public id: `<prefix>_<hex of random bytes>` (16 bytes by default: unguessable, never reused). */
export const newId = (prefix: string, bytes = 16): string => `${prefix}_${randomBytes(bytes).toString('hex')}`;
