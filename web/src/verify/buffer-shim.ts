// Buffer for the browser: the `buffer` package, plus the 'base64url' encoding Node has and the
// package lacks (the pure verifiers use it for Ed25519 JWKs and order salts). Vite aliases
// 'node:buffer' here, and setup.ts installs it as the global Buffer the shared modules use.
// Imported by path ('buffer/index.js') so that Node (in tests) loads the npm package, not its own.
import { Buffer as NpmBuffer } from 'buffer/index.js';

type Enc = string | undefined;
const B = NpmBuffer as unknown as {
  from: (...args: unknown[]) => Uint8Array;
  byteLength: (...args: unknown[]) => number;
  isEncoding: (e: string) => boolean;
  prototype: { toString: (enc?: Enc, start?: number, end?: number) => string; __base64url?: true };
};

if (!B.prototype.__base64url) {
  const from = B.from;
  const toStr = B.prototype.toString;
  const byteLength = B.byteLength;
  const isEncoding = B.isEncoding;
  const isUrl = (e: unknown) => typeof e === 'string' && e.toLowerCase() === 'base64url';
  // The package's base64 decoder already accepts both alphabets ('-' '_' as well as '+' '/') and
  // missing padding, as Node's does.
  B.from = function (this: unknown, value: unknown, enc?: unknown, len?: unknown) {
    return typeof value === 'string' && isUrl(enc) ? from.call(this, value, 'base64') : from.call(this, value, enc, len);
  };
  B.byteLength = function (this: unknown, value: unknown, enc?: unknown) {
    return typeof value === 'string' && isUrl(enc) ? byteLength.call(this, value, 'base64') : byteLength.call(this, value, enc);
  };
  B.isEncoding = (e: string) => isUrl(e) || isEncoding(e);
  B.prototype.toString = function (this: unknown, enc?: Enc, start?: number, end?: number) {
    if (!isUrl(enc)) return toStr.call(this, enc, start, end);
    return toStr.call(this, 'base64', start, end).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
  };
  B.prototype.__base64url = true;
}

export const Buffer = NpmBuffer;
export type Buffer = NpmBuffer;
export default { Buffer };
