// The SMS step of a large wallet payment: when the API answers 403 sms.code_required, a code is sent
// for the purpose and context it names, and the same request is repeated with the code.
import { useState } from 'preact/hooks';
import { api, ApiError } from '../lib/api.ts';
import { t } from '../lib/i18n.ts';
import { errorText, Field } from '../components/ui.tsx';

export interface SmsNeeded { purpose: string; context: string }

/** The purpose and context from a 403 sms.code_required, or null for any other error. */
export function smsNeeded(err: unknown): SmsNeeded | null {
  if (err instanceof ApiError && err.status === 403 && err.code === 'sms.code_required') {
    const purpose = err.problem['purpose'];
    const context = err.problem['context'];
    if (typeof purpose === 'string' && typeof context === 'string') return { purpose, context };
  }
  return null;
}

export const requestSmsCode = (n: SmsNeeded) => api.post<{ codeId: string; expiresAt: string }>('/api/me/sms-codes', n);

/** Asks for the code sent by SMS and hands it to `submit`. */
export function SmsStep({ needed, submit, busy }: { needed: SmsNeeded; submit: (code: string) => void; busy: boolean }) {
  const [code, setCode] = useState('');
  const [note, setNote] = useState<string | null>(null);
  return (
    <div class="panel sms-step" role="group" aria-labelledby="sms-h">
      <h2 id="sms-h">{t('store.sms.title')}</h2>
      <p>{t('store.sms.sent')}</p>
      <Field label={t('store.sms.code')}>
        <input inputMode="numeric" autoComplete="one-time-code" pattern="[0-9]{4,8}" value={code} onInput={(e) => setCode(e.currentTarget.value.trim())} />
      </Field>
      <div class="row">
        <button type="button" class="primary" disabled={busy || code.length < 4} onClick={() => submit(code)}>{t('store.sms.confirm')}</button>
        <button type="button" onClick={async () => {
          setNote(null);
          try {
            await requestSmsCode(needed);
            setNote(t('store.sms.resent'));
          } catch (err) {
            setNote(errorText(err));
          }
        }}>{t('store.sms.resend')}</button>
      </div>
      {note && <p role="status">{note}</p>}
    </div>
  );
}
