import Fastify, { type FastifyInstance } from 'fastify';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { Kysely } from 'kysely';
import type { Database } from '../db/database.ts';
import type { Ledger } from '../ledger/index.ts';
import { accountsRoutes, type AccountsService } from '../accounts/index.ts';
import { installAuth } from './auth.ts';
import { installSecurity } from './security.ts';
import { installIdempotency } from './idempotency.ts';
import { ledgerRoutes, logRoutes } from '../ledger/index.ts';
import { frameworkErrorAsProblem, installProblemHandlers, ProblemSchema } from './problem.ts';
import { installTextGuard } from './text.ts';
import { homePage } from './home.ts';
import { installWebApp } from './web.ts';
import { installResponseValidation } from './response-validation.ts';
import type { AppConfig } from '../config.ts';
import type { MoneyService } from '../money/index.ts';
import { walletRoutes, type WalletService } from '../wallet/index.ts';
import { inventoryRoutes, type InventoryService } from '../inventory/index.ts';
import { catalogRoutes, type CatalogService } from '../catalog/index.ts';
import { notificationsRoutes, type NotificationsService } from '../notifications/index.ts';
import { ordersRoutes, type CheckoutService, type OrdersService } from '../orders/index.ts';
import { paymentsRoutes, type PaymentsService } from '../payments/index.ts';
import { smsRoutes, type SmsCodes } from '../sms/index.ts';
import { reviewsRoutes, type ReviewsService } from '../reviews/index.ts';
import { pointsRoutes, type PointsService } from '../points/index.ts';
import { settlementRoutes, type SettlementService } from '../settlement/index.ts';
import { reconciliationRoutes } from '../reconciliation/index.ts';
import { couponsRoutes, type CouponsService } from '../coupons/index.ts';
import { promotionsRoutes, type PromotionsService } from '../coupons/index.ts';
import { privacyRoutes, type PrivacyService } from '../privacy/index.ts';
import { analyticsRoutes, type AnalyticsService } from '../analytics/index.ts';
import { recommendationsRoutes, type RecommendationsService } from '../recommendations/index.ts';
import { witnessLogRoutes, type WitnessingService } from '../witness/index.ts';
import { chainRoutes, type OnChainSettlement } from '../chain/index.ts';
// modules: imports
import { liveRoutes, type LiveService } from '../live/index.ts';
import { adsRoutes, type AdsService } from '../ads/index.ts';
import { gamesRoutes, type GamesService } from '../games/index.ts';
import { socialRoutes, type SocialService } from '../social/index.ts';

/** The module services, as the app builds them and the routes use them. */
export interface Services {
  accounts: AccountsService;
  money: MoneyService;
  wallet: WalletService;
  inventory: InventoryService;
  catalog: CatalogService;
  notifications: NotificationsService;
  orders: OrdersService;
  checkout: CheckoutService;
  payments: PaymentsService;
  /** SMS one-time codes (wallet payments above config.walletSmsThresholdMinor). */
  sms: SmsCodes;
  /** Verified-purchase reviews. */
  reviews: ReviewsService;
  points: PointsService;
  /** Per-merchant statements and payout batches, each batch root in the ledger. */
  settlement: SettlementService;
  /** Platform and merchant coupons: storage, limits, consumption inside checkout's transaction. */
  coupons: CouponsService;
  promotions: PromotionsService;
  /** Consent, pseudonyms, the personal-data vault, export and erasure. */
  privacy: PrivacyService;
  /** Behaviour events (consent first, pseudonyms only) and k-anonymous merchant analytics. */
  analytics: AnalyticsService;
  /** Item-to-item and personal recommendations from behaviour events, with their reasons. */
  recommendations: RecommendationsService;
  /** The log's witnesses: checkpoint submission and the cosigned checkpoint. */
  witnessing: WitnessingService;
  /** On-chain settlement for opted-in merchants; undefined when no chain is configured. */
  onChain: OnChainSettlement | undefined;
  /** Follows and feed, wishlists, share links with referral rewards, product Q&A. */
  social: SocialService;
  /** Sponsored listings: ad balances, campaigns, the slot auction, charged clicks. */
  ads: AdsService;
  // modules: services
  /** Live shopping: sessions with an HLS stream, chat over SSE, pinned products at a live price and quota. */
  live: LiveService;
  /** Daily check-in with streaks and provably fair lucky draws. */
  games: GamesService;
}

export interface HttpDeps extends Services {
  config: AppConfig;
  ledger: Ledger;
  db: Kysely<Database>;
  logLevel?: string;
  /** Where logs go (stdout when unset); tests collect them to check nothing secret is written. */
  logStream?: NodeJS.WritableStream | undefined;
}

/** The HTTP surface: thin routes over module services, problem+json errors, OpenAPI at /docs. */
export async function buildHttp(deps: HttpDeps): Promise<FastifyInstance> {
  const app = Fastify({
    logger: deps.logLevel === 'silent' ? false : { level: deps.logLevel ?? 'info', redact: ['req.headers.authorization', 'req.headers.cookie', 'req.remoteAddress'], ...(deps.logStream ? { stream: deps.logStream } : {}) },
    bodyLimit: 1024 * 1024,
    frameworkErrors: frameworkErrorAsProblem,
    ajv: { customOptions: { removeAdditional: false, coerceTypes: 'array', useDefaults: true } },
  });
  let pages: Awaited<ReturnType<typeof installWebApp>> = null;
  installProblemHandlers(app, () => pages);
  app.addSchema(ProblemSchema);
  if (deps.config.validateResponses) await installResponseValidation(app);
  installAuth(app, deps.accounts);
  await installSecurity(app, { publicRateLimitPerMinute: deps.config.publicRateLimitPerMinute });
  installTextGuard(app);
  installIdempotency(app, deps.db, { sealKey: deps.privacy.idempotencyKey });
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'chainmall API',
        version: '0.1.0',
        description: 'Marketplace commerce on a verifiable Merkle log. Errors are RFC 9457 problem+json.',
      },
      tags: [
        { name: 'ledger', description: 'The verifiable log: blocks, entries, receipts, proofs' },
        { name: 'accounts', description: 'Sign-up, sessions (cm_session cookie) and API tokens (Authorization: Bearer cm_…)' },
        { name: 'wallet', description: 'Wallet balances, statements, P2P transfers, withdrawals; merchant receivables' },
        { name: 'inventory', description: 'Stock locations, stock levels per variant and location, public availability' },
        { name: 'catalog', description: 'Merchants, categories, products with variants and images, search, commission rules' },
        { name: 'notifications', description: 'In-app notifications (list, SSE stream) and merchant webhooks (Standard Webhooks)' },
        { name: 'cart', description: 'One cart across merchants' },
        { name: 'orders', description: 'Checkout, orders as a logged state machine, receipts' },
        { name: 'payments', description: 'Gateway payments for orders and wallet top-ups; providers\' signed callbacks' },
        { name: 'sms', description: 'SMS one-time codes confirming wallet payments above a threshold' },
        { name: 'reviews', description: 'Verified-purchase reviews, ratings, merchant replies, moderation' },
        { name: 'points', description: 'Loyalty points: earned on completed orders, redeemed at checkout, expiring' },
        { name: 'settlement', description: 'Merchant statements and payout batches; each line provable against a batch root in the ledger' },
        { name: 'coupons', description: 'Platform and merchant coupons: terms, limits, deactivation' },
        { name: 'privacy', description: 'Consent per purpose, your profile (encrypted with your own key), export, erasure; staff reads are logged' },
        { name: 'analytics', description: 'Behaviour events (stored only with consent, keyed by pseudonym) and k-anonymous merchant analytics' },
        { name: 'recommendations', description: 'Bought together, viewed together, for you (with personalisation consent) and popular products, each with its reason' },
        { name: 'chain', description: 'On-chain settlement: opted-in merchants\' escrow in OrderEscrow, each transaction recorded in the ledger' },
        { name: 'social', description: 'Follow merchants and their feed, wishlists, share links with referral rewards, product questions and answers' },
        { name: 'ads', description: 'Sponsored listings: ad balance, campaigns, slots by second-price auction, charged clicks, stats' },
        // modules: tags
        { name: 'live', description: 'Live shopping: sessions, chat and viewers over SSE, moderation, pinned products at a live-only price and quota, replay' },
        { name: 'games', description: 'Daily check-in with streaks; provably fair lucky draws (seed commitment, close checkpoint, reveal, verifiable winners)' },
      ],
      components: {
        securitySchemes: {
          session: { type: 'apiKey', in: 'cookie', name: 'cm_session' },
          apiToken: { type: 'http', scheme: 'bearer', description: 'An API token cm_… from POST /api/me/tokens' },
        },
      },
    },
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });

  pages = deps.config.webApp === false ? null : await installWebApp(app);
  if (!pages) app.get('/', { schema: { hide: true } }, async (_req, reply) => reply.type('text/html; charset=utf-8').send(homePage(deps.ledger)));
  app.get('/api/health', { schema: { hide: true } }, async () => ({
    ok: true,
    sequencer: deps.ledger.sequencer.isLeader ? 'leader' : 'follower',
    treeSize: (await deps.ledger.latest())?.treeSize ?? 0,
  }));
  await app.register(ledgerRoutes, { prefix: '/api/ledger', ledger: deps.ledger });
  await app.register(logRoutes, { prefix: '/log', ledger: deps.ledger });
  await app.register(accountsRoutes, { prefix: '/api', accounts: deps.accounts });
  await app.register(walletRoutes, { prefix: '/api', wallet: deps.wallet });
  await app.register(inventoryRoutes, { prefix: '/api', inventory: deps.inventory });
  await app.register(catalogRoutes, { prefix: '/api', catalog: deps.catalog });
  await app.register(notificationsRoutes, { prefix: '/api', notifications: deps.notifications });
  await app.register(ordersRoutes, { prefix: '/api', orders: deps.orders, checkout: deps.checkout });
  await app.register(paymentsRoutes, { prefix: '/api', payments: deps.payments });
  await app.register(smsRoutes, { prefix: '/api', sms: deps.sms });
  await app.register(reviewsRoutes, { prefix: '/api', reviews: deps.reviews });
  await app.register(pointsRoutes, { prefix: '/api', points: deps.points });
  await app.register(settlementRoutes, { prefix: '/api', settlement: deps.settlement });
  await app.register(reconciliationRoutes, { prefix: '/api', db: deps.db, ledger: deps.ledger, payments: deps.payments });
  await app.register(couponsRoutes, { prefix: '/api', coupons: deps.coupons });
  await app.register(promotionsRoutes, { prefix: '/api', promotions: deps.promotions });
  await app.register(privacyRoutes, { prefix: '/api', privacy: deps.privacy });
  await app.register(analyticsRoutes, { prefix: '/api', analytics: deps.analytics });
  await app.register(recommendationsRoutes, { prefix: '/api', recommendations: deps.recommendations });
  await app.register(witnessLogRoutes, { prefix: '/log', witnessing: deps.witnessing });
  await app.register(chainRoutes, { prefix: '/api', chain: deps.onChain, orders: deps.orders });
  await app.register(socialRoutes, { prefix: '/api', social: deps.social });
  await app.register(adsRoutes, { prefix: '/api', ads: deps.ads });
  // modules: routes
  await app.register(liveRoutes, { prefix: '/api', live: deps.live });
  await app.register(gamesRoutes, { prefix: '/api', games: deps.games });
  return app;
}
