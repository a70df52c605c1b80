import fs from 'node:fs';
import path from 'node:path';
import { generateSignerKey, signerFromKey, type NoteSigner } from './note.ts';

export interface KeySource {
  /** A `PRIVATE+KEY+<name>+<id>+<key>` string (e.g. from LOG_SIGNING_KEY). */
  signingKey?: string | undefined;
  /** A file holding that string; created on first start if absent. */
  signingKeyFile: string;
  origin: string;
}

/** Loads the log's signing key, creating it (mode 0600) on first start. */
export function loadSigner(src: KeySource): { signer: NoteSigner; created: boolean } {
  if (src.signingKey) return { signer: checkName(signerFromKey(src.signingKey.trim()), src.origin), created: false };
  if (fs.existsSync(src.signingKeyFile)) {
    return { signer: checkName(signerFromKey(fs.readFileSync(src.signingKeyFile, 'utf8').trim()), src.origin), created: false };
  }
  fs.mkdirSync(path.dirname(src.signingKeyFile), { recursive: true });
  const skey = generateSignerKey(src.origin);
  // 'wx' refuses to overwrite a key another process created meanwhile.
  fs.writeFileSync(src.signingKeyFile, skey + '\n', { mode: 0o600, flag: 'wx' });
  return { signer: signerFromKey(skey), created: true };
}

// C2SP checkpoints name the log by origin; the key name must match so verifiers can pair them.
function checkName(signer: NoteSigner, origin: string): NoteSigner {
  if (signer.name !== origin) throw new Error(`signing key is for "${signer.name}" but the log origin is "${origin}"`);
  return signer;
}
