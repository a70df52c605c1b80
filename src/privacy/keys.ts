// Where the master key comes from: configuration, or a file in the data directory created on first
// start (development). Production sets CHAINMALL_MASTER_KEY from a secret store.
import fs from 'node:fs';
import path from 'node:path';
import { newKey, parseMasterKey } from './crypto.ts';

export interface MasterKeySource {
  masterKey?: string | undefined;
  masterKeyFile: string;
}

export function loadMasterKey(src: MasterKeySource): { key: Buffer; created: boolean } {
  if (src.masterKey) return { key: parseMasterKey(src.masterKey), created: false };
  if (fs.existsSync(src.masterKeyFile)) return { key: parseMasterKey(fs.readFileSync(src.masterKeyFile, 'utf8')), created: false };
  fs.mkdirSync(path.dirname(src.masterKeyFile), { recursive: true });
  const key = newKey();
  try {
    // 'wx' refuses to overwrite a key another process created meanwhile: losing it would shred everyone.
    fs.writeFileSync(src.masterKeyFile, key.toString('base64') + '\n', { mode: 0o600, flag: 'wx' });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return { key: parseMasterKey(fs.readFileSync(src.masterKeyFile, 'utf8')), created: false };
    throw err;
  }
  return { key, created: true };
}
