/**
 * buyer: self-registered shopper. merchant_staff: acts for one merchant (merchant_id).
 * admin: runs the platform, creates staff, admins and auditors. auditor: reads everything, writes nothing.
 */
export const ROLES = ['buyer', 'merchant_staff', 'admin', 'auditor'] as const;
export type Role = (typeof ROLES)[number];

/** Roles only an admin (or seed code) can create. */
export const STAFF_ROLES = ['merchant_staff', 'admin', 'auditor'] as const satisfies readonly Role[];
export type StaffRole = (typeof STAFF_ROLES)[number];

export const isRole = (v: unknown): v is Role => typeof v === 'string' && (ROLES as readonly string[]).includes(v);
