// Sign in or create a (buyer) account; returns to where the person came from.
import { useState } from 'preact/hooks';
import { useLocation } from 'preact-iso';
import { t } from '../lib/i18n.ts';
import { signIn, signUp } from '../lib/session.ts';
import { errorText, Field, PageTitle } from './ui.tsx';

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
          const u = mode === 'signin' ? await signIn(email, password) : await signUp(email, password);
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
