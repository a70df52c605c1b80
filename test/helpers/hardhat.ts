// A real Hardhat 2 node on a free loopback port, for the chain tests (one per test file).
import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Hex } from 'viem';
import { chainClients, type ChainClients } from '../../src/chain/index.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** The node's well-known development accounts (mnemonic "test test … junk"): 0 admin, 1–4 parties. */
export const DEV_KEYS: Hex[] = [
  '0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80',
  '0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d',
  '0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a',
  '0x7c852118294e51e653712a81e05800f419141751be58f605c371e15141b007a6',
  '0x47e179ec197488593b187f80a00eb0da91f1b9d0b13f8733639f19c30a34926a',
];
export const CHAIN_ID = 31337;

export interface HardhatNode {
  rpcUrl: string;
  clients(i: number): ChainClients;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

export async function startHardhatNode(): Promise<HardhatNode> {
  const port = await freePort();
  // The bin directly (not npx), so the pid we stop is the node itself.
  const child: ChildProcess = spawn(path.join(ROOT, 'node_modules/.bin/hardhat'), ['--config', 'hardhat.config.cjs', 'node', '--hostname', '127.0.0.1', '--port', String(port)], {
    cwd: ROOT,
    env: { ...process.env, HARDHAT_DISABLE_TELEMETRY_PROMPT: 'true' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`hardhat node did not start in 60 s:\n${output}`)), 60_000);
    const onData = (d: Buffer) => {
      output = (output + d.toString()).slice(-20_000);
      if (output.includes('Started HTTP')) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`hardhat node exited with ${code}:\n${output}`));
    });
  });
  // Keep draining its (chatty) output so the pipe never fills and blocks it.
  child.stdout!.resume();
  child.stderr!.resume();
  const rpcUrl = `http://127.0.0.1:${port}`;
  return {
    rpcUrl,
    clients: (i) => chainClients({ rpcUrl, chainId: CHAIN_ID, privateKey: DEV_KEYS[i]! }),
    async stop() {
      if (child.exitCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    },
  };
}
