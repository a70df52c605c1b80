import fs from 'node:fs';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { parseVerifierKey } from '../ledger/index.ts';
import { cosignerFromKey, generateCosignerKey, type Cosigner } from './cosignature.ts';
import { witnessHttp } from './server.ts';
import { WitnessStore } from './store.ts';
import { Witness } from './witness.ts';

export interface WitnessCliOptions {
  port?: string | undefined;
  host?: string | undefined;
  name?: string | undefined;
  keyFile?: string | undefined;
  /** "<origin> <vkey>", repeatable. */
  log?: string[] | undefined;
  data?: string | undefined;
}

/** Loads the witness key, creating it (mode 0600) on first start. */
export function loadCosigner(keyFile: string, name: string | undefined): { cosigner: Cosigner; created: boolean } {
  if (fs.existsSync(keyFile)) {
    const cosigner = cosignerFromKey(fs.readFileSync(keyFile, 'utf8'));
    if (name && cosigner.name !== name) throw new Error(`key file ${keyFile} is for witness "${cosigner.name}", not "${name}"`);
    return { cosigner, created: false };
  }
  if (!name) throw new Error('--name is required to create a new witness key');
  fs.mkdirSync(path.dirname(keyFile), { recursive: true });
  const skey = generateCosignerKey(name);
  fs.writeFileSync(keyFile, skey + '\n', { mode: 0o600, flag: 'wx' });
  return { cosigner: cosignerFromKey(skey), created: true };
}

export function parseLogFlag(s: string): { origin: string; vkey: string } {
  const parts = s.trim().split(/\s+/);
  if (parts.length !== 2) throw new Error(`--log wants "<origin> <verifier key>", got ${JSON.stringify(s)}`);
  const [origin, vkey] = parts as [string, string];
  const key = parseVerifierKey(vkey);
  // C2SP checkpoints name their log by origin, and the log key carries the same name.
  if (key.name !== origin) throw new Error(`log key is named "${key.name}" but the origin is "${origin}"`);
  return { origin, vkey };
}

export interface RunningWitness {
  url: string;
  verifierKey: string;
  witness: Witness;
  http: FastifyInstance;
  close(): Promise<void>;
}

export async function startWitness(o: WitnessCliOptions): Promise<RunningWitness> {
  const data = path.resolve(o.data ?? 'data/witness');
  const keyFile = path.resolve(o.keyFile ?? path.join(data, 'witness.key'));
  const logs = (o.log ?? []).map(parseLogFlag);
  if (logs.length === 0) throw new Error('at least one --log "<origin> <verifier key>" is required');
  const port = o.port === undefined ? 0 : Number(o.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`--port must be a port number, got ${o.port}`);
  const { cosigner } = loadCosigner(keyFile, o.name);
  const store = new WitnessStore(path.join(data, 'witness.db'));
  const witness = new Witness({ cosigner, logs, store });
  const http = await witnessHttp(witness);
  try {
    const url = await http.listen({ host: o.host ?? '127.0.0.1', port });
    return {
      url,
      verifierKey: cosigner.verifierKey,
      witness,
      http,
      async close() {
        await http.close();
        store.close();
      },
    };
  } catch (err) {
    store.close();
    throw err;
  }
}

/** `chainmall witness`: runs until killed; prints the verifier key logs and clients configure. */
export async function witnessCli(o: WitnessCliOptions): Promise<void> {
  const w = await startWitness(o);
  console.log(`witness listening on ${w.url}`);
  console.log(`verifier key: ${w.verifierKey}`);
  const stop = () => void w.close().then(() => process.exit(0));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}
