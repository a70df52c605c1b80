// Public surface of the accounts module: other modules import only from here.
export { AccountsService, normalizeEmail, type AccountsOptions, type User, type NewUser, type Session, type ApiToken } from './service.ts';
export { ROLES, STAFF_ROLES, isRole, type Role, type StaffRole } from './roles.ts';
export { hashPassword, verifyPassword, SCRYPT_PARAMS, type ScryptParams } from './password.ts';
export { accountsRoutes } from './routes.ts';
export { accountsMigrations } from './migrations/index.ts';
export type { AccountsTables } from './tables.ts';
