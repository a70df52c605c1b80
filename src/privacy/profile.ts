// The personal profile: name, phone and saved addresses. Validation only; stored sealed by the service.
import { DomainError } from '../shared/index.ts';

export interface SavedAddress {
  label: string;
  recipient: string;
  phone: string;
  country: string;
  region?: string;
  city: string;
  line1: string;
  line2?: string;
  postalCode?: string;
}

export interface Profile {
  name: string | null;
  phone: string | null;
  addresses: SavedAddress[];
}

export type ProfilePatch = Partial<Profile>;

export const ADDRESSES_MAX = 20;
const TEXT_MAX = 256;
const PHONE = /^\+?[0-9][0-9 ()-]{3,30}$/;
const COUNTRY = /^[A-Z]{2}$/;

const bad = (why: string): never => {
  throw new DomainError('privacy.bad_profile', why, 400);
};
const text = (v: unknown, where: string): string => {
  if (typeof v !== 'string' || v.trim() !== v || v.length === 0 || v.length > TEXT_MAX || /\p{Cc}/u.test(v)) bad(`${where} must be one line of 1..${TEXT_MAX} characters`);
  return v as string;
};
const phone = (v: unknown, where: string): string => {
  if (typeof v !== 'string' || !PHONE.test(v)) bad(`${where} is not a phone number`);
  return v as string;
};

function address(a: SavedAddress, i: number): SavedAddress {
  const where = `addresses[${i}]`;
  if (!COUNTRY.test(a.country)) bad(`${where}.country is not an ISO 3166-1 alpha-2 code`);
  const out: SavedAddress = {
    label: text(a.label, `${where}.label`), recipient: text(a.recipient, `${where}.recipient`), phone: phone(a.phone, `${where}.phone`),
    country: a.country, city: text(a.city, `${where}.city`), line1: text(a.line1, `${where}.line1`),
  };
  for (const k of ['region', 'line2', 'postalCode'] as const) if (a[k] !== undefined) out[k] = text(a[k], `${where}.${k}`);
  return out;
}

/** The fields a patch sets, checked; null clears name or phone. */
export function parseProfilePatch(p: ProfilePatch): ProfilePatch {
  const out: ProfilePatch = {};
  if (p.name !== undefined) out.name = p.name === null ? null : text(p.name, 'name');
  if (p.phone !== undefined) out.phone = p.phone === null ? null : phone(p.phone, 'phone');
  if (p.addresses !== undefined) {
    if (p.addresses.length > ADDRESSES_MAX) bad(`at most ${ADDRESSES_MAX} saved addresses`);
    out.addresses = p.addresses.map(address);
  }
  return out;
}
