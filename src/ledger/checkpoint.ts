/** C2SP tlog-checkpoint (https://c2sp.org/tlog-checkpoint) note bodies. */
import { openNote, type OpenedNote } from './note.ts';

export interface Checkpoint {
  origin: string;
  size: number;
  rootHash: Uint8Array;
  extensions?: string[];
}

export interface ParsedCheckpoint {
  origin: string;
  size: number;
  rootHash: Uint8Array;
  extensions: string[];
}

/** Canonical standard base64 of exactly 32 bytes (43 chars + one '='). */
const ROOT_B64 = /^[A-Za-z0-9+/]{42}[AEIMQUYcgkosw048]=$/;
const SIZE = /^(?:0|[1-9][0-9]*)$/;
const badLine = (l: string): boolean => l === '' || /[\x00-\x1f]/.test(l);

export function formatCheckpoint(cp: Checkpoint): string {
  const { origin, size, rootHash, extensions = [] } = cp;
  if (typeof origin !== 'string' || badLine(origin)) throw new Error('checkpoint origin must be a non-empty single line');
  if (!Number.isSafeInteger(size) || size < 0) throw new Error(`checkpoint size must be a non-negative safe integer, got ${size}`);
  if (!(rootHash instanceof Uint8Array) || rootHash.length !== 32) throw new Error('checkpoint root hash must be 32 bytes');
  if (extensions.some(badLine)) throw new Error('checkpoint extension lines must be non-empty single lines');
  return [origin, String(size), Buffer.from(rootHash).toString('base64'), ...extensions].join('\n') + '\n';
}

/** Strict parse of a checkpoint note body (the text before the signatures). */
export function parseCheckpoint(body: string): ParsedCheckpoint {
  if (typeof body !== 'string' || !body.endsWith('\n')) throw new Error('malformed checkpoint: body must end with a newline');
  const lines = body.slice(0, -1).split('\n');
  if (lines.length < 3) throw new Error(`malformed checkpoint: need origin, size and root lines, got ${lines.length} line(s)`);
  const [origin, sizeLine, rootLine, ...extensions] = lines as [string, string, string, ...string[]];
  if (origin === '') throw new Error('malformed checkpoint: empty origin line');
  if (lines.some(badLine)) throw new Error('malformed checkpoint: a line holds a control character'); // as formatCheckpoint refuses
  if (!SIZE.test(sizeLine)) throw new Error(`malformed checkpoint: size ${JSON.stringify(sizeLine)} is not a canonical decimal`);
  const size = Number(sizeLine);
  if (!Number.isSafeInteger(size)) throw new Error(`malformed checkpoint: size ${sizeLine} is too large`);
  if (!ROOT_B64.test(rootLine)) throw new Error('malformed checkpoint: root hash is not canonical base64 of 32 bytes');
  if (extensions.some((l) => l === '')) throw new Error('malformed checkpoint: empty extension line');
  return { origin, size, rootHash: new Uint8Array(Buffer.from(rootLine, 'base64')), extensions };
}

export interface OpenedCheckpoint extends ParsedCheckpoint {
  body: string;
  signatures: OpenedNote['signatures'];
}

/**
 * openNote + parseCheckpoint. Throws NoteError for signature problems, Error for a bad body
 * or an origin other than `expectedOrigin`.
 */
export function openCheckpoint(note: string | Uint8Array, vkey: string, expectedOrigin?: string): OpenedCheckpoint {
  const { body, signatures } = openNote(note, vkey);
  const cp = parseCheckpoint(body);
  if (expectedOrigin !== undefined && cp.origin !== expectedOrigin) {
    throw new Error(`checkpoint origin ${JSON.stringify(cp.origin)} is not the expected ${JSON.stringify(expectedOrigin)}`);
  }
  return { ...cp, body, signatures };
}
