// Sign in or create a (buyer) account; returns to where the person came from.
import { useState } from 'preact/hooks';
import { useLocation } from 'preact-iso';
import { api } from '../lib/api.ts';
import { t } from '../lib/i18n.ts';
import { signIn, signUp } from '../lib/session.ts';
import { errorText, Field, PageTitle } from './ui.tsx';

type Consent = { choiceMade: boolean; purposes: Record<string, { granted: boolean }> };

const visitorConsent = () => api.get<Consent>('/api/privacy/consent').catch(() => null);

/**
 * The choice made on the banner as a visitor becomes the account's own when the account has made
 * none yet (a new account, or one that never chose): the person is not asked twice.
 */
async function carryConsent(visitor: Consent | null): Promise<void> {
  if (!visitor?.choiceMade) return;
  const mine = await visitorConsent();
  if (!mine || mine.choiceMade) return;
  await api.put('/api/privacy/consent', Object.fromEntries(Object.entries(visitor.purposes).map(([p, s]) => [p, s.granted]))).catch(() => undefined);
}

export function SignInPage() {
  const { query, route } = useLocation();
  const [mode, setMode] = useState<'signin' | 'register'>(query['mode'] === 'register' ? 'register' : 'signin');
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<unknown>(undefined);
  const [busy, setBusy] = useState(false);
  const next = query['next'] && query['next'].startsWith('/') ? query['next'] : '/';
  return (
    <section class="narrow">
      <PageTitle>{mode === 'signin' ? t('auth.title') : t('auth.register')}</PageTitle>
      <form onSubmit={async (e) => {
        e.preventDefault();
        setBusy(true);
        setError(undefined);
        try {
          const before = await visitorConsent();
          const carry = () => carryConsent(before);
          const u = mode === 'signin' ? await signIn(email, password, carry) : await signUp(email, password, carry);
          route(next !== '/' ? next : u.role === 'merchant_staff' ? '/merchant' : u.role === 'admin' || u.role === 'auditor' ? '/admin' : '/');
        } catch (err) {
          setError(err);
        } finally {
          setBusy(false);
        }
      }}>
        <Field label={t('auth.email')}>
          <input name="email" type="email" autoComplete="email" required value={email} onInput={(e) => setEmail(e.currentTarget.value)} />
        </Field>
        <Field label={t('auth.password')} hint={mode === 'register' ? t('auth.passwordHint') : undefined}>
          <input name="password" type="password" autoComplete={mode === 'signin' ? 'current-password' : 'new-password'} required minLength={mode === 'register' ? 8 : 1} value={password} onInput={(e) => setPassword(e.currentTarget.value)} />
        </Field>
        {error !== undefined && <p class="error" role="alert">{errorText(error)}</p>}
        <button type="submit" class="primary" disabled={busy}>{mode === 'signin' ? t('auth.submit') : t('auth.create')}</button>
      </form>
      <p>
        <button type="button" class="link" onClick={() => setMode(mode === 'signin' ? 'register' : 'signin')}>
          {mode === 'signin' ? t('auth.toRegister') : t('auth.toSignin')}
        </button>
      </p>
    </section>
  );
}
