// The consent banner: until a choice is made, nothing is collected. Accept all, essential only, or
// choose per purpose. Reloads when the person signs in or out (consent is per person or visitor).
import { useEffect, useState } from 'preact/hooks';
import { t } from '../lib/i18n.ts';
import { consent, loadConsent, PURPOSES, saveConsent, type Purpose } from '../lib/events.ts';
import { user } from '../lib/session.ts';
import { errorText } from '../components/ui.tsx';
import './i18n.ts';
import './store.css';

export function ConsentBanner() {
  const uid = user.value === undefined ? undefined : user.value?.id ?? null;
  const [choosing, setChoosing] = useState(false);
  const [picked, setPicked] = useState<Record<Purpose, boolean>>({ analytics: false, personalisation: false, marketing: false });
  const [error, setError] = useState<unknown>(undefined);
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    if (uid !== undefined) loadConsent().catch(() => undefined);
  }, [uid]);
  const c = consent.value;
  if (!c || c.choiceMade) return null;
  const save = async (choice: Record<Purpose, boolean>) => {
    setBusy(true);
    setError(undefined);
    try {
      await saveConsent(choice);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  const all = (v: boolean) => Object.fromEntries(PURPOSES.map((p) => [p, v])) as Record<Purpose, boolean>;
  return (
    <section class="consent-banner" role="region" aria-labelledby="consent-h">
      <h2 id="consent-h">{t('consent.title')}</h2>
      <p>{t('consent.text')} <a href="/account/privacy">{t('consent.more')}</a></p>
      {choosing && (
        <fieldset>
          <legend>{t('consent.choose')}</legend>
          {PURPOSES.map((p) => (
            <label key={p} class="choice">
              <input type="checkbox" checked={picked[p]} onChange={(e) => setPicked({ ...picked, [p]: e.currentTarget.checked })} />
              {' '}<strong>{t(`consent.purpose.${p}`)}</strong> <span class="muted">{t(`consent.purpose.${p}.text`)}</span>
            </label>
          ))}
        </fieldset>
      )}
      <div class="row">
        <button type="button" class="primary" disabled={busy} onClick={() => void save(all(true))}>{t('consent.acceptAll')}</button>
        <button type="button" disabled={busy} onClick={() => void save(all(false))}>{t('consent.essential')}</button>
        {choosing
          ? <button type="button" disabled={busy} onClick={() => void save(picked)}>{t('consent.saveChoice')}</button>
          : <button type="button" disabled={busy} onClick={() => setChoosing(true)}>{t('consent.chooseButton')}</button>}
      </div>
      {error !== undefined && <p class="error" role="alert">{errorText(error)}</p>}
    </section>
  );
}
