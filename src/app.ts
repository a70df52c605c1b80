import path from 'node:path';
import { randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { configFromEnv, resolvedSqlitePath, type AppConfig } from './config.ts';
import { connect, migrateToLatest, type Db } from './db/index.ts';
import { buildHttp, type Services } from './http/app.ts';
import { advisoryLeader, entryBytes, type Leadership, Ledger, LedgerStore, loadSigner, Sequencer, soleLeader } from './ledger/index.ts';
import { AccountsService, SCRYPT_PARAMS } from './accounts/index.ts';
import { MoneyService } from './money/index.ts';
import { JobRunner, type Job } from './jobs/index.ts';
import { moneyExpiryJob, WalletService } from './wallet/index.ts';
import { InventoryService } from './inventory/index.ts';
import { CheckoutService, OrdersService } from './orders/index.ts';
import { CatalogService } from './catalog/index.ts';
import { notificationsJob, NotificationsService } from './notifications/index.ts';
import { PaymentsService, paymentsJob, providersFromEnv, sandboxProvider, type PaymentProvider } from './payments/index.ts';
import { SandboxClient, startSandboxGateway, type SandboxGateway } from './sandbox-gateway/index.ts';
import { devSmsSink, noSmsSender, SmsCodes, smsJob } from './sms/index.ts';
import { ReviewsService } from './reviews/index.ts';
import { PointsService, pointsJob } from './points/index.ts';
import { SettlementService, settlementJob } from './settlement/index.ts';
import { CouponsService, PromotionsService } from './coupons/index.ts';
import { deriveKey, loadMasterKey, PrivacyService } from './privacy/index.ts';
import { forgetIdempotencyScope } from './http/idempotency.ts';
import type { Json } from './ledger/index.ts';
import { AnalyticsService, analyticsRetentionJob } from './analytics/index.ts';
import { DomainError } from './shared/index.ts';
import { OrderAnalytics } from './orders/index.ts';
import { catalogProducts, RecommendationsService, recommendationsJob } from './recommendations/index.ts';
import { parseWitnessList, WitnessingService } from './witness/index.ts';
import { anchorJobFromConfig, CHAIN_ROLE_LOCK, chainRoleJob, onChainFromConfig } from './chain/index.ts';
// modules: imports
import { LiveService } from './live/index.ts';
import { AdsService, adsCatalogPort, adsTokenKey } from './ads/index.ts';
import { GamesService, gamesJob } from './games/index.ts';
import { SocialService } from './social/index.ts';

export interface App extends Services {
  config: AppConfig;
  db: Db;
  ledger: Ledger;
  /** The in-process sandbox payment gateway (development and tests). */
  sandbox: (SandboxGateway & { client: SandboxClient }) | undefined;
  /** Background work (expiries, auto-confirm, webhook delivery); started with the server. */
  jobs: JobRunner;
  sequencer: Sequencer;
  /** Who signs chain transactions among the instances (PostgreSQL advisory lock). */
  chainRole: Leadership;
  http: FastifyInstance;
  verifierKey: string;
  /** True when this start created the signing key. */
  keyCreated: boolean;
  listen(): Promise<string>;
  close(): Promise<void>;
}

/** The URL the HTTP server listens on, once it does. */
function listeningUrl(http: FastifyInstance): string | undefined {
  const a = http.server.address();
  if (!a || typeof a === 'string') return undefined;
  const host = a.family === 'IPv6' ? `[${a.address}]` : a.address;
  return `http://${host === '[::1]' ? 'localhost' : host}:${a.port}`;
}

/** Wires storage, the ledger and HTTP from configuration; the same code on SQLite and PostgreSQL. */
/** What configuration cannot carry: objects a test or an embedding program passes in. */
export interface AppExtras {
  /** Payment providers beside those configured in the environment (tests pass adapters with generated keys). */
  paymentProviders?: PaymentProvider[];
  /** Where the HTTP log goes instead of stdout. */
  logStream?: NodeJS.WritableStream;
}

export async function createApp(overrides: Partial<AppConfig> = {}, extras: AppExtras = {}): Promise<App> {
  const config: AppConfig = { ...configFromEnv({}), ...overrides };
  const db = connect({
    databaseUrl: config.databaseUrl,
    sqlitePath: resolvedSqlitePath(config),
    poolMax: config.pgPoolMax,
    ...(config.sqliteSynchronous ? { sqliteSynchronous: config.sqliteSynchronous } : {}),
  });
  try {
    await migrateToLatest(db.kysely, db.dialect);
    const { signer, created } = loadSigner({
      signingKey: config.signingKey,
      signingKeyFile: config.signingKeyFile ?? path.join(config.dataDir, 'log-signing.key'),
      origin: config.origin,
    });
    const store = new LedgerStore(db.kysely, db.sqlite);
    const leadership = db.dialect === 'postgres' ? advisoryLeader(config.databaseUrl!) : soleLeader();
    const sequencer = new Sequencer(db.kysely, store, {
      origin: config.origin,
      signer,
      leadership,
      maxDelayMs: config.maxDelayMs,
      genesis: config.genesis
        ? entryBytes({ kind: 'ledger.genesis', actor: 'system', subject: { log: config.origin }, data: { verifierKey: signer.verifierKey } })
        : undefined,
      onError: (err) => http.log.error({ err }, 'sequencer batch failed; will reload and retry'),
    }, db.sqlite);
    const ledger = new Ledger(db.kysely, store, sequencer, config.origin, signer.verifierKey, db.sqlite);
    const masterKey = loadMasterKey({ masterKey: config.masterKey, masterKeyFile: config.masterKeyFile ?? path.join(config.dataDir, 'master.key') }).key;
    const privacy = new PrivacyService(db.kysely, ledger, masterKey);
    const accounts = new AccountsService(db.kysely, ledger, privacy, { scrypt: { ...SCRYPT_PARAMS, ln: config.scryptLn } });
    await accounts.sealLegacyEmails();
    const money = new MoneyService(db.kysely, ledger);
    const wallet = new WalletService(db.kysely, money, accounts, { devTopUp: config.devTopUp });
    const notifications = new NotificationsService(db.kysely, { allowPrivateWebhooks: config.allowPrivateWebhooks, onError: (err) => http.log.error({ err }, 'notification stream poll failed; will retry') });
    const catalog = new CatalogService(db.kysely, ledger);
    // Only the merchant who sells a variant may stock it.
    const variantMerchant = async (r: Parameters<CatalogService['variantsForCheckout']>[0], variantId: string) =>
      (await catalog.variantsForCheckout(r, [variantId]))[0]?.merchantId ?? null;
    const inventory = new InventoryService(db.kysely, ledger, notifications.notify, undefined, { variantMerchant });
    // Codes go to the log and GET /api/dev/sms in development; production needs a real provider (none yet: 503).
    const sms = new SmsCodes(db.kysely, config.smsDevSink ? devSmsSink({ log: (line) => http.log.info(line) }) : noSmsSender, { onError: (err) => http.log.error({ err }, 'sms attempt count failed') });
    const points = new PointsService(db.kysely, money, (trx, merchantId, skus) => catalog.categoriesOfSkus(trx, merchantId, skus));
    const coupons = new CouponsService(db.kysely, ledger);
    const promotions = new PromotionsService(db.kysely, ledger);
    const orders = new OrdersService({
      db: db.kysely, ledger, money, catalog, inventory, notify: notifications.notify,
      walletConfirmation: { sms, thresholdMinor: BigInt(config.walletSmsThresholdMinor) },
      loyalty: points,
      privacy,
      coupons: { forPricing: (r, codes) => coupons.forPricing(r, codes), use: (trx, code, userId) => coupons.use(trx, code, userId), promotions: (r) => promotions.active(r) },
    });
    const checkout = new CheckoutService(orders, {
      listener: (buyerId, checkoutId, productIds) => analytics.recordPurchase(buyerId, checkoutId, productIds),
      onError: (err) => http.log.error({ err }, 'recording a purchase for analytics failed'),
    });
    // Payment providers: the sandbox gateway runs beside the server in development and tests.
    const providers: PaymentProvider[] = [...providersFromEnv(), ...(extras.paymentProviders ?? [])];
    let sandbox: (SandboxGateway & { client: SandboxClient }) | undefined;
    if (config.sandboxGateway) {
      const keyId = 'chainmall';
      const secret = randomBytes(24).toString('hex');
      const gateway = await startSandboxGateway({
        port: config.sandboxPort, host: config.host, dataFile: path.join(config.dataDir, 'sandbox-gateway.db'), merchantKeys: { [keyId]: secret },
        ...(config.sandboxSigningSecret ? { signingSecret: config.sandboxSigningSecret } : {}),
        ...(config.sandboxPublicUrl ? { publicUrl: config.sandboxPublicUrl } : {}),
      });
      sandbox = Object.assign(gateway, { client: new SandboxClient({ baseUrl: gateway.url, keyId, secret }) });
      providers.push(sandboxProvider({ baseUrl: sandbox.url, keyId, secret, signingSecret: sandbox.signingSecret }));
      // Withdrawals are paid out through the gateway once approved.
      const client = sandbox.client;
      wallet.usePayouts({ payout: async (p) => (await client.payout({ ...p, amountMinor: p.amountMinor })).status });
    }
    const publicUrl = () => config.publicUrl ?? listeningUrl(http) ?? `http://${config.host}:${config.port}`;
    const payments = new PaymentsService({ db: db.kysely, ledger, money, orders, providers, publicUrl });
    const reviews = new ReviewsService({ db: db.kysely, ledger, orders, catalog });
    // Settlement payouts go out through the sandbox gateway's payout path when it runs; else they are posted as paid manually.
    const settlementPayouts = sandbox ? ((client: SandboxClient) => ({ payout: async (p: { payoutId: string; amountMinor: bigint; currency: string; destination: string }) => (await client.payout(p)).status }))(sandbox.client) : undefined;
    const settlement = new SettlementService(db.kysely, ledger, money, settlementPayouts);
    // Erasure: each module does its part in the privacy transaction (or refuses it); export: each adds its section.
    privacy.useDirectory((db, userId) => accounts.exists(db, userId));
    privacy.onErase((trx, userId) => orders.forgetBuyer(trx, userId));
    privacy.onErase((trx, userId) => wallet.refuseErasureWithFunds(trx, userId));
    privacy.onErase((trx, userId) => accounts.forget(trx, userId));
    privacy.onErase((trx, userId) => forgetIdempotencyScope(trx, `user:${userId}`));
    privacy.addExporter('account', async (userId) => ({ ...(await accounts.user(userId)) }));
    privacy.addExporter('orders', async (userId) => (await orders.exportFor(userId)) as Json);
    privacy.addExporter('wallets', async (userId) => wallet.exportFor(userId));
    privacy.addExporter('points', async (userId) => ({ ...(await points.balance(userId)) }) as unknown as Json);
    privacy.addExporter('reviews', async (userId) => (await reviews.buyerReviews({ userId, role: 'buyer', via: 'session' }, { limit: 100 })) as unknown as Json);
    // Analytics resolves each event's merchant through the catalog (one product per read until the catalog has a bulk read; the service caches).
    const productMerchant = (id: string, publicOnly: boolean) =>
      catalog.product(id, publicOnly ? null : { role: 'admin' }).then((p) => [id, p.merchantId] as const, (err: unknown) => {
        if (err instanceof DomainError && err.status === 404) return null;
        throw err;
      });
    const analytics = new AnalyticsService({
      db: db.kysely, privacy, orders: new OrderAnalytics(db.kysely), retentionDays: config.analyticsRetentionDays, minGroup: config.analyticsMinGroup,
      catalog: {
        productMerchants: async (ids, publicOnly) => new Map((await Promise.all(ids.map((id) => productMerchant(id, publicOnly)))).filter((e) => e !== null)),
        merchantExists: (id) => catalog.merchant(db.kysely, id).then(() => true, (err: unknown) => (err instanceof DomainError && err.status === 404 ? false : Promise.reject(err))),
      },
    });
    privacy.onWithdraw((trx, pseudonyms, purpose) => analytics.withdrawn(trx, pseudonyms, purpose));
    privacy.onErase((trx, _userId, pseudonyms) => analytics.erased(trx, pseudonyms));
    privacy.addExporter('behaviourEvents', (_userId, pseudonyms) => analytics.exportFor(pseudonyms));
    const recommendations = new RecommendationsService({
      db: db.kysely, events: analytics, privacy, catalog: catalogProducts(db.kysely), batch: config.recsBatchEvents,
      model: { halfLifeMs: config.recsHalfLifeDays * 86_400_000, sessionGapMs: config.recsSessionGapMinutes * 60_000 },
    });
    // The open sessions held in memory (pseudonym → recent products) go with the events they came from.
    privacy.onWithdraw(async (_trx, pseudonyms, purpose) => {
      if (purpose === 'analytics') recommendations.forget(pseudonyms);
    });
    privacy.onErase(async (_trx, _userId, pseudonyms) => recommendations.forget(pseudonyms));
    const witnessEndpoints = parseWitnessList(config.witnesses.join('\n'));
    const witnessing = new WitnessingService(db.kysely, ledger, {
      witnesses: witnessEndpoints, quorum: config.witnessQuorum ?? witnessEndpoints.length,
      onError: (witness, err) => http.log.warn({ err, witness }, 'witness submission failed; will retry'),
    });
    // modules: services (construct in dependency order)
    const live = new LiveService({ db: db.kysely, ledger, catalog, onError: (err) => http.log.error({ err }, 'live event broadcast failed') });
    checkout.useLive(live);
    orders.onStep(async (trx, t, before) => { if (t === 'cancel' || t === 'reject') await live.returnQuota(trx, before.id); });
    privacy.onErase((trx, userId) => live.forget(trx, userId));
    privacy.addExporter('liveChat', async (userId) => (await live.exportFor(userId)) as unknown as Json);
    const ads = new AdsService({ db: db.kysely, ledger, money, catalog: adsCatalogPort(catalog), tokenKey: adsTokenKey(masterKey) });
    privacy.onErase((trx, userId) => ads.forgetUser(trx, userId));
    const games = new GamesService({ db: db.kysely, ledger, points, coupons, timeZone: process.env['CHECKIN_TIME_ZONE'] });
    const social = new SocialService({ db: db.kysely, ledger, points, catalog, referralWindowDays: config.referralWindowDays, referralRewardPoints: config.referralRewardPoints });
    orders.onStep(async (trx, t, before, after) => void (await social.onOrderStep(trx, t, before, after)));
    privacy.onErase((trx, userId) => social.forgetUser(trx, userId));
    privacy.addExporter('social', async (userId) => (await social.exportFor(userId)) as unknown as Json);
    const jobList: Job[] = [];
    jobList.push(
      { name: 'orders', tick: (now) => orders.tick(now) },
      moneyExpiryJob(db.kysely, money),
      notificationsJob(notifications),
      paymentsJob(payments),
      smsJob(sms),
      { name: 'wallet.payouts', tick: () => wallet.settlePayouts() },
      pointsJob(points),
      settlementJob(settlement),
    );
    jobList.push(analyticsRetentionJob(analytics));
    jobList.push(recommendationsJob(recommendations));
    jobList.push({ name: 'privacy.keys', tick: (now) => privacy.purgeRetiredKeys(now, config.analyticsRetentionDays) });
    if (witnessEndpoints.length > 0) {
      jobList.push({ name: 'witness.cosign', tick: () => witnessing.tick() });
      // The sequencer's instance submits each new checkpoint at once; the job retries what failed.
      if (config.jobs) sequencer.on('integrated', () => void witnessing.tick().catch((err: unknown) => http.log.warn({ err }, 'witness submission failed')));
    }
    const anchoring = anchorJobFromConfig(config, { db: db.kysely, ledger, store });
    const onChain = onChainFromConfig(config, { db: db.kysely, ledger, custodySeed: deriveKey(masterKey, 'chain-custody') });
    if (onChain) {
      orders.onStep((trx, t, before, after, commission, subsidy) => onChain.onStep(trx, t, before, after, commission, subsidy));
      settlement.onPaidOut((trx, p) => onChain.onPaidOut(trx, p));
    }
    // One instance at a time signs with the platform's chain key (the elected chain role).
    const chainJobs = [...(anchoring ? [anchoring] : []), ...(onChain ? [onChain.job()] : [])];
    const chainRole = db.dialect === 'postgres' ? advisoryLeader(config.databaseUrl!, CHAIN_ROLE_LOCK) : soleLeader();
    if (chainJobs.length) jobList.push(chainRoleJob(chainRole, chainJobs));
    // modules: jobs
    jobList.push(gamesJob(games));
    const jobs = new JobRunner(jobList, { intervalMs: config.jobIntervalMs, onError: (job, err) => http.log.error({ err, job }, 'background job failed; will retry') });
    const http = await buildHttp({ config, ledger, db: db.kysely, accounts, money, wallet, inventory, catalog, notifications, orders, checkout, payments, sms, reviews, points, settlement, coupons, promotions, privacy, analytics, recommendations, witnessing, onChain, social , games, ads, live /* modules: http deps */, logLevel: config.logLevel, logStream: extras.logStream });
    if (config.sequencer) sequencer.start();
    if (config.jobs) jobs.start();
    let closed = false;
    return {
      config,
      db,
      ledger,
      accounts,
      money,
      wallet,
      inventory,
      catalog,
      notifications,
      orders,
      checkout,
      payments,
      sandbox,
      sms,
      reviews,
      points,
      settlement,
      coupons,
      promotions,
      privacy,
      analytics,
      recommendations,
      witnessing,
      onChain,
      chainRole,
      social,
      ads,
      // modules: App values
      live,
      games,
      jobs,
      sequencer,
      http,
      verifierKey: signer.verifierKey,
      keyCreated: created,
      async listen() {
        const addr = await http.listen({ host: config.host, port: config.port });
        return addr.replace('[::1]', 'localhost');
      },
      async close() {
        if (closed) return;
        closed = true;
        await jobs.stop();
        await http.close();
        await sandbox?.close();
        await sequencer.stop();
        await chainRole.release();
        await db.close();
      },
    };
  } catch (err) {
    await db.close();
    throw err;
  }
}
