// Public surface of the recommendations module: other modules import only from here.
export {
  RecommendationsService,
  recommendationsJob,
  type RecommendationsDeps,
  type RecsEventsPort,
  type RecsPrivacyPort,
  type RecsCatalogPort,
  type RecommendationQuery,
  type RecommendedItem,
  type Recommendations,
} from './service.ts';
export { RecsModel, DEFAULT_MODEL_OPTIONS, KIND_WEIGHT, SIGNALS, type ModelEvent, type ModelOptions, type Neighbour, type Pick, type Signal, type Delta } from './model.ts';
export { STRATEGIES, REASON_KINDS, RECS_LIMIT_MAX, type Strategy, type ReasonKind, type Reason } from './rules.ts';
export { generateSessions, syntheticCatalog, rng, DEFAULT_GEN_OPTIONS, type GenEvent, type GenOptions, type GenProduct } from './generator.ts';
export { evaluate, topWithFill, type Evaluation } from './evaluate.ts';
export { catalogProducts } from './catalog-port.ts';
export { recommendationsRoutes } from './routes.ts';
export { recommendationsMigrations } from './migrations/index.ts';
export type { RecsTables } from './tables.ts';
