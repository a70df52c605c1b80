// Who is signed in: loaded once from /api/me, changed by sign-in, sign-up and sign-out.
import { signal } from '@preact/signals';
import { api, ApiError } from './api.ts';

export type Role = 'buyer' | 'merchant_staff' | 'admin' | 'auditor';
export interface User {
  id: string;
  email: string | null;
  role: Role;
  merchantId: string | null;
  createdAt: string;
}

/** undefined while loading, null when signed out. */
export const user = signal<User | null | undefined>(undefined);

export async function loadUser(): Promise<void> {
  try {
    user.value = await api.get<User>('/api/me');
  } catch (err) {
    if (err instanceof ApiError && err.status === 401) user.value = null;
    else throw err;
  }
}

/** `signedIn` runs with the new session before the rest of the app learns of the user. */
export async function signIn(email: string, password: string, signedIn?: () => Promise<void>): Promise<User> {
  const s = await api.post<{ user: User }>('/api/auth/login', { email, password });
  await signedIn?.();
  user.value = s.user;
  return s.user;
}

export async function signUp(email: string, password: string, signedIn?: () => Promise<void>): Promise<User> {
  const s = await api.post<{ user: User }>('/api/auth/register', { email, password });
  await signedIn?.();
  user.value = s.user;
  return s.user;
}

export async function signOut(): Promise<void> {
  await api.post('/api/auth/logout');
  user.value = null;
}
