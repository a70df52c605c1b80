// Public surface of the privacy module: other modules import only from here.
export {
  PrivacyService,
  PURPOSES,
  ACCESS_PURPOSES,
  isPurpose,
  subjectRef,
  newVisitorId,
  type Purpose,
  type AccessPurpose,
  type Subject,
  type ConsentState,
  type ConsentChange,
  type EraseListener,
  type WithdrawListener,
  type Exporter,
} from './service.ts';
export { seal, open, isSealed, deriveKey } from './crypto.ts';
export { loadMasterKey } from './keys.ts';
export { requestSubject, VISITOR_COOKIE } from './subject.ts';
export type { Profile, SavedAddress } from './profile.ts';
export { privacyRoutes } from './routes.ts';
export { privacyMigrations } from './migrations/index.ts';
export type { PrivacyTables } from './tables.ts';
