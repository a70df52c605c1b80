/**
 * Compiles contracts/*.sol with solc from npm (standard JSON), OpenZeppelin imports resolved from
 * node_modules. Output (ABI + bytecode) is cached in .cache/contracts/ keyed by the sources and the
 * compiler version, so tests and the CLI compile once.
 */
import fs from 'node:fs';
import path from 'node:path';
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import type { Abi, Hex } from 'viem';

const require = createRequire(import.meta.url);
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const CONTRACTS_DIR = path.join(ROOT, 'contracts');
const CACHE_DIR = path.join(ROOT, '.cache', 'contracts');

export interface Artifact {
  abi: Abi;
  bytecode: Hex;
}
export type ContractName = 'CheckpointAnchor' | 'OrderEscrow' | 'PlatformToken';
export type Artifacts = Record<ContractName, Artifact>;

interface Solc {
  version(): string;
  compile(input: string, opts: { import(p: string): { contents: string } | { error: string } }): string;
}

function resolveImport(p: string): { contents: string } | { error: string } {
  try {
    const file = p.startsWith('@') ? require.resolve(p) : path.join(CONTRACTS_DIR, p);
    return { contents: fs.readFileSync(file, 'utf8') };
  } catch {
    return { error: `not found: ${p}` };
  }
}

let memo: Artifacts | undefined;

export function compileContracts(): Artifacts {
  if (memo) return memo;
  const solc = require('solc') as Solc;
  const sources: Record<string, { content: string }> = {};
  for (const f of fs.readdirSync(CONTRACTS_DIR).filter((f) => f.endsWith('.sol')).sort()) {
    sources[f] = { content: fs.readFileSync(path.join(CONTRACTS_DIR, f), 'utf8') };
  }
  const ozVersion = (require('@openzeppelin/contracts/package.json') as { version: string }).version;
  const key = createHash('sha256').update(JSON.stringify({ v: solc.version(), ozVersion, sources })).digest('hex').slice(0, 16);
  const cached = path.join(CACHE_DIR, `${key}.json`);
  if (fs.existsSync(cached)) return (memo = JSON.parse(fs.readFileSync(cached, 'utf8')) as Artifacts);

  const input = {
    language: 'Solidity',
    sources,
    // Cancun: what current L1s, L2s and the Hardhat node run.
    settings: { optimizer: { enabled: true, runs: 200 }, evmVersion: 'cancun', outputSelection: { '*': { '*': ['abi', 'evm.bytecode.object'] } } },
  };
  const out = JSON.parse(solc.compile(JSON.stringify(input), { import: resolveImport })) as {
    errors?: { severity: string; formattedMessage: string }[];
    contracts: Record<string, Record<string, { abi: Abi; evm: { bytecode: { object: string } } }>>;
  };
  const errors = (out.errors ?? []).filter((e) => e.severity === 'error');
  if (errors.length) throw new Error(`solc failed:\n${errors.map((e) => e.formattedMessage).join('\n')}`);
  const pick = (name: ContractName): Artifact => {
    const c = out.contracts[`${name}.sol`]?.[name];
    if (!c) throw new Error(`solc produced no ${name}`);
    return { abi: c.abi, bytecode: `0x${c.evm.bytecode.object}` };
  };
  const artifacts: Artifacts = { CheckpointAnchor: pick('CheckpointAnchor'), OrderEscrow: pick('OrderEscrow'), PlatformToken: pick('PlatformToken') };
  fs.mkdirSync(CACHE_DIR, { recursive: true });
  // Write then rename: parallel test workers may compile at once.
  const tmp = `${cached}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, JSON.stringify(artifacts));
  fs.renameSync(tmp, cached);
  return (memo = artifacts);
}
