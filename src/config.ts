import path from 'node:path';
import { defaultSqlitePath } from './db/config.ts';

export interface AppConfig {
  host: string;
  port: number;
  dataDir: string;
  /** postgres://… for PostgreSQL; unset for SQLite in dataDir. */
  databaseUrl?: string | undefined;
  sqlitePath?: string | undefined;
  sqliteSynchronous?: 'NORMAL' | 'FULL';
  /** The log's C2SP origin line, also the signing key's name. */
  origin: string;
  signingKey?: string | undefined;
  signingKeyFile?: string | undefined;
  /** Upper bound on the time an entry waits before the sequencer starts its batch. */
  maxDelayMs: number;
  /** false: enqueue and serve reads only, never sequence. */
  sequencer: boolean;
  /** Append the genesis entry when the log is empty. */
  genesis: boolean;
  logLevel: string;
  /** Anonymous /api requests allowed per IP and minute (PUBLIC_RATE_LIMIT; 0: off). */
  publicRateLimitPerMinute: number;
  /** Run background jobs (expiries, auto-confirm, webhook delivery) on this instance. */
  jobs: boolean;
  jobIntervalMs: number;
  /** The development wallet top-up endpoint (until real gateways): on unless NODE_ENV=production. */
  devTopUp: boolean;
  /** Outgoing webhooks may target loopback/private addresses (development and tests only). */
  allowPrivateWebhooks: boolean;
  /** scrypt cost log2(N) for new password hashes; 15 (OWASP) by default, lower only for tests and benches. */
  scryptLn: number;
  /** PostgreSQL connections per instance. */
  pgPoolMax: number;
  /** Check every JSON response against its route's response schema (tests; costs CPU). */
  validateResponses: boolean;
  /** Run the sandbox payment gateway in this process (development and tests; never in production). */
  sandboxGateway: boolean;
  /** Port of the sandbox gateway (0: any free one). */
  sandboxPort: number;
  /** This server's URL as payment providers reach it (callbacks); defaults to the address it listens on. */
  publicUrl?: string | undefined;
  /** The sandbox gateway's callback signing secret (random per start when unset). */
  sandboxSigningSecret?: string | undefined;
  /** The sandbox's pages as a phone reaches them (its QR code), e.g. http://192.168.1.20:4000. */
  sandboxPublicUrl?: string | undefined;
  /** Development SMS sink: codes in the server log and at GET /api/dev/sms; never in production. */
  smsDevSink: boolean;
  /** Wallet payments above this amount (integer minor units) need an SMS one-time code. */
  walletSmsThresholdMinor: number;
  /** Base64 32-byte master key for personal data (envelope encryption); else masterKeyFile, created on first start. */
  /** Serve the built web app (dist/web) at `/`; false keeps the plain landing page. */
  webApp?: boolean;
  masterKey?: string | undefined;
  masterKeyFile?: string | undefined;
  /** Behaviour events are deleted this many days after they happened (ANALYTICS_RETENTION_DAYS). */
  analyticsRetentionDays: number;
  /** k-anonymity: merchant analytics withhold any figure about fewer distinct people (ANALYTICS_MIN_GROUP). */
  analyticsMinGroup: number;
  /** Recommendations: half-life of the decay of behaviour signals, in days (RECS_HALF_LIFE_DAYS). */
  recsHalfLifeDays: number;
  /** Recommendations: a new browsing session starts after this many idle minutes (RECS_SESSION_GAP_MINUTES). */
  recsSessionGapMinutes: number;
  /** Recommendations: behaviour events read per model update (RECS_BATCH_EVENTS). */
  recsBatchEvents: number;
  /** Social: a referral visit counts for orders paid this many days after it (REFERRAL_WINDOW_DAYS, 7); the referrer earns REFERRAL_REWARD_POINTS (100) per attributed order. */
  referralWindowDays?: number | undefined;
  referralRewardPoints?: number | undefined;
  /** tlog-witnesses the log submits its checkpoints to: "<url> <cosigner vkey>" entries (WITNESSES, comma- or newline-separated). */
  witnesses: string[];
  /** Cosignatures a checkpoint needs to be served at /log/checkpoint.cosigned (WITNESS_QUORUM; default: all witnesses). */
  witnessQuorum?: number | undefined;
  /** Ethereum-compatible JSON-RPC endpoint for checkpoint anchoring (CHAIN_RPC_URL); anchoring is off without it. */
  chainRpcUrl?: string | undefined;
  chainId: number;
  /** 0x-prefixed secp256k1 key of the anchoring account (CHAIN_PRIVATE_KEY). */
  chainPrivateKey?: string | undefined;
  /** CheckpointAnchor contract address (ANCHOR_CONTRACT). */
  anchorContract?: string | undefined;
  /** Anchor when the log grew and this many minutes passed (ANCHOR_EVERY_MINUTES), or it grew by ANCHOR_EVERY_ENTRIES. */
  anchorEveryMinutes: number;
  anchorEveryEntries: number;
  /** PlatformToken and OrderEscrow addresses (TOKEN_CONTRACT, ESCROW_CONTRACT); on-chain settlement is off without both. */
  tokenContract?: string | undefined;
  escrowContract?: string | undefined;
  /** The wallet currency the token mirrors (CHAIN_CURRENCY). */
  chainCurrency: string;
  /** An on-chain escrow nobody resolved may be refunded by anyone after this many days (ESCROW_TIMEOUT_DAYS). */
  escrowTimeoutDays: number;
  /** Native currency (in ether units) given to a merchant's custodial address at opt-in (CHAIN_GAS_ALLOWANCE). */
  chainGasAllowance: string;
}

const int = (v: string | undefined, name: string, dflt: number): number => {
  if (v === undefined || v === '') return dflt;
  const n = Number(v);
  if (!Number.isSafeInteger(n) || n < 0) throw new Error(`${name} must be a non-negative integer, got "${v}"`);
  return n;
};

/** Configuration from the environment; every value has a default that works on a fresh clone. */
export function configFromEnv(env: NodeJS.ProcessEnv = process.env): AppConfig {
  const sync = env.SQLITE_SYNCHRONOUS?.toUpperCase();
  if (sync && sync !== 'NORMAL' && sync !== 'FULL') throw new Error('SQLITE_SYNCHRONOUS must be NORMAL or FULL');
  return {
    host: env.HOST || '127.0.0.1',
    port: int(env.PORT, 'PORT', 3000),
    dataDir: path.resolve(env.CHAINMALL_DATA_DIR || 'data'),
    databaseUrl: env.DATABASE_URL || undefined,
    sqlitePath: env.SQLITE_PATH || undefined,
    ...(sync ? { sqliteSynchronous: sync as 'NORMAL' | 'FULL' } : {}),
    origin: env.LOG_ORIGIN || 'chainmall.localhost/log',
    signingKey: env.LOG_SIGNING_KEY || undefined,
    signingKeyFile: env.LOG_SIGNING_KEY_FILE || undefined,
    masterKey: env.CHAINMALL_MASTER_KEY || undefined,
    masterKeyFile: env.CHAINMALL_MASTER_KEY_FILE || undefined,
    maxDelayMs: int(env.LOG_MAX_DELAY_MS, 'LOG_MAX_DELAY_MS', 200),
    sequencer: env.SEQUENCER !== 'off',
    genesis: true,
    logLevel: env.LOG_LEVEL || 'info',
    jobs: env.JOBS !== 'off',
    publicRateLimitPerMinute: Math.max(0, int(env.PUBLIC_RATE_LIMIT, 'PUBLIC_RATE_LIMIT', 1200)),
    jobIntervalMs: int(env.JOB_INTERVAL_MS, 'JOB_INTERVAL_MS', 1000),
    devTopUp: env.NODE_ENV !== 'production' && env.DEV_TOP_UP !== 'off',
    allowPrivateWebhooks: env.NODE_ENV !== 'production',
    scryptLn: int(env.SCRYPT_LN, 'SCRYPT_LN', 15),
    pgPoolMax: int(env.PG_POOL_MAX, 'PG_POOL_MAX', 20),
    validateResponses: env.RESPONSE_VALIDATION === 'on',
    sandboxGateway: env.NODE_ENV !== 'production' && env.SANDBOX_GATEWAY !== 'off',
    sandboxPort: int(env.SANDBOX_PORT, 'SANDBOX_PORT', 0),
    publicUrl: env.PUBLIC_URL || undefined,
    sandboxSigningSecret: env.SANDBOX_SIGNING_SECRET || undefined,
    sandboxPublicUrl: env.SANDBOX_PUBLIC_URL || undefined,
    smsDevSink: env.NODE_ENV !== 'production' && env.SMS_DEV_SINK !== 'off',
    walletSmsThresholdMinor: int(env.WALLET_SMS_THRESHOLD_MINOR, 'WALLET_SMS_THRESHOLD_MINOR', 100_000),
    analyticsRetentionDays: Math.max(1, int(env.ANALYTICS_RETENTION_DAYS, 'ANALYTICS_RETENTION_DAYS', 180)),
    analyticsMinGroup: Math.max(1, int(env.ANALYTICS_MIN_GROUP, 'ANALYTICS_MIN_GROUP', 5)),
    recsHalfLifeDays: Math.max(1, int(env.RECS_HALF_LIFE_DAYS, 'RECS_HALF_LIFE_DAYS', 30)),
    recsSessionGapMinutes: Math.max(1, int(env.RECS_SESSION_GAP_MINUTES, 'RECS_SESSION_GAP_MINUTES', 30)),
    recsBatchEvents: Math.max(1, int(env.RECS_BATCH_EVENTS, 'RECS_BATCH_EVENTS', 5000)),
    referralWindowDays: Math.max(1, int(env.REFERRAL_WINDOW_DAYS, 'REFERRAL_WINDOW_DAYS', 7)),
    referralRewardPoints: Math.max(1, int(env.REFERRAL_REWARD_POINTS, 'REFERRAL_REWARD_POINTS', 100)),
    witnesses: (env.WITNESSES ?? '').split(/[,\n]/).map((e) => e.trim()).filter((e) => e !== ''),
    witnessQuorum: env.WITNESS_QUORUM ? int(env.WITNESS_QUORUM, 'WITNESS_QUORUM', 1) : undefined,
    chainRpcUrl: env.CHAIN_RPC_URL || undefined,
    chainId: int(env.CHAIN_ID, 'CHAIN_ID', 31337),
    chainPrivateKey: env.CHAIN_PRIVATE_KEY || undefined,
    anchorContract: env.ANCHOR_CONTRACT || undefined,
    anchorEveryMinutes: Math.max(1, int(env.ANCHOR_EVERY_MINUTES, 'ANCHOR_EVERY_MINUTES', 10)),
    anchorEveryEntries: Math.max(1, int(env.ANCHOR_EVERY_ENTRIES, 'ANCHOR_EVERY_ENTRIES', 1000)),
    tokenContract: env.TOKEN_CONTRACT || undefined,
    escrowContract: env.ESCROW_CONTRACT || undefined,
    chainCurrency: env.CHAIN_CURRENCY || 'CNY',
    escrowTimeoutDays: Math.max(1, int(env.ESCROW_TIMEOUT_DAYS, 'ESCROW_TIMEOUT_DAYS', 120)),
    chainGasAllowance: env.CHAIN_GAS_ALLOWANCE || '0.05',
  };
}

export const resolvedSqlitePath = (c: AppConfig): string => c.sqlitePath ?? defaultSqlitePath(c.dataDir);
