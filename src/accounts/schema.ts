// JSON Schemas of the accounts API: validation in, serialization out (no field is sent that is not
// listed here, so a password hash can never leak), and the OpenAPI source.
import { ROLES, STAFF_ROLES } from './roles.ts';
import { API_TOKEN_DAYS_MAX, API_TOKEN_NAME_CHARS_MAX, EMAIL_CHARS_MAX, PASSWORD_CHARS_MAX, PASSWORD_CHARS_MIN } from './service.ts';

const time = { type: 'string', format: 'date-time' } as const;
// Checked by the service after trimming and lower-casing (so " Alice@Example.com" is fine).
const email = { type: 'string', minLength: 3, maxLength: EMAIL_CHARS_MAX, description: 'e-mail address; case-insensitive' } as const;
const password = { type: 'string', minLength: PASSWORD_CHARS_MIN, maxLength: PASSWORD_CHARS_MAX, writeOnly: true } as const;

export const UserView = {
  type: 'object',
  required: ['id', 'email', 'role', 'merchantId', 'createdAt'],
  properties: {
    id: { type: 'string', description: 'What the ledger and other modules know the user by' },
    email: { type: ['string', 'null'], description: 'null once your personal data was erased' },
    role: { type: 'string', enum: ROLES },
    merchantId: { type: ['string', 'null'], description: 'merchant_staff only' },
    createdAt: time,
  },
  additionalProperties: false,
} as const;

export const SessionView = {
  type: 'object',
  required: ['user', 'expiresAt'],
  description: 'The session itself travels in the HTTP-only cm_session cookie, never in the body',
  properties: { user: UserView, expiresAt: time },
  additionalProperties: false,
} as const;

export const RegisterBody = {
  type: 'object',
  required: ['email', 'password'],
  properties: { email, password },
  additionalProperties: false,
} as const;

// No format check on login: any input gets the same answer, valid address or not.
export const LoginBody = {
  type: 'object',
  required: ['email', 'password'],
  properties: { email: { type: 'string', minLength: 1, maxLength: EMAIL_CHARS_MAX }, password: { type: 'string', minLength: 1, maxLength: PASSWORD_CHARS_MAX, writeOnly: true } },
  additionalProperties: false,
} as const;

export const NewStaffBody = {
  type: 'object',
  required: ['email', 'password', 'role'],
  properties: {
    email,
    password,
    role: { type: 'string', enum: STAFF_ROLES },
    merchantId: { type: 'string', pattern: '^[A-Za-z0-9_.:-]{1,128}$', description: 'required for merchant_staff, refused otherwise' },
  },
  additionalProperties: false,
} as const;

const tokenProperties = {
  id: { type: 'string' },
  name: { type: 'string' },
  prefix: { type: 'string', description: 'The first characters of the token, to recognise it; not usable to authenticate' },
  createdAt: time,
  expiresAt: { type: ['string', 'null'], format: 'date-time' },
  lastUsedAt: { type: ['string', 'null'], format: 'date-time', description: 'to the minute' },
} as const;

export const ApiTokenView = {
  type: 'object',
  required: ['id', 'name', 'prefix', 'createdAt', 'expiresAt', 'lastUsedAt'],
  properties: tokenProperties,
  additionalProperties: false,
} as const;

export const NewApiTokenView = {
  type: 'object',
  required: ['id', 'name', 'prefix', 'createdAt', 'expiresAt', 'lastUsedAt', 'token'],
  properties: { ...tokenProperties, token: { type: 'string', description: 'The secret, shown this once: send it as Authorization: Bearer <token>' } },
  additionalProperties: false,
} as const;

export const ApiTokenList = {
  type: 'object',
  required: ['items'],
  properties: { items: { type: 'array', items: ApiTokenView } },
  additionalProperties: false,
} as const;

export const NewApiTokenBody = {
  type: 'object',
  required: ['name'],
  properties: {
    name: { type: 'string', minLength: 1, maxLength: API_TOKEN_NAME_CHARS_MAX },
    expiresInDays: { type: 'integer', minimum: 1, maximum: API_TOKEN_DAYS_MAX, description: 'omit for a token that lives until revoked' },
  },
  additionalProperties: false,
} as const;

export const TokenIdParam = {
  type: 'object',
  required: ['id'],
  properties: { id: { type: 'string', minLength: 1, maxLength: 64 } },
} as const;

export { problems } from '../http/schema.ts';
