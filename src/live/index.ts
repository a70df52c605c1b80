// Public surface of the live shopping module: other modules import only from here.
export { LiveService, authorOf, type LiveDeps, type LiveCatalogPort, type SessionView, type PinView, type MessageView, type NewSession, type NewPin } from './service.ts';
export { LiveHub, type LiveEvent } from './hub.ts';
export { ChatRateLimit, parseStreamUrl, streamOriginsCsp, parseChatText, transition, remaining, CHAT_INTERVAL_MS, CHAT_TEXT_CHARS_MAX, type SessionState } from './rules.ts';
export { liveRoutes } from './routes.ts';
export { liveMigrations } from './migrations/index.ts';
export type { LiveTables } from './tables.ts';
