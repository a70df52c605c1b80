// '/merchant/locations': stock locations (warehouses, shops): the list and a form to add one.
import { useState } from 'preact/hooks';
import { api } from '../lib/api.ts';
import { dateTime } from '../lib/format.ts';
import { t } from '../lib/i18n.ts';
import { useLoad } from '../lib/use.ts';
import { Async, Field, PageTitle } from '../components/ui.tsx';
import { staffPage, type Page, Act } from './shared.tsx';
import type { Location } from './types.ts';

function Locations() {
  const list = useLoad((signal) => api.get<Page<Location>>('/api/merchant/locations?limit=200', { signal }));
  const [name, setName] = useState('');
  const [code, setCode] = useState('');
  return (
    <section>
      <PageTitle>{t('m.locations.title')}</PageTitle>
      <p class="muted">{t('m.locations.help')}</p>
      <Async state={list}>
        {(p) => p.items.length === 0 ? <p>{t('state.empty')}</p> : (
          <div class="table-wrap">
            <table>
              <thead><tr><th scope="col">{t('m.locations.code')}</th><th scope="col">{t('m.locations.name')}</th><th scope="col">{t('m.locations.created')}</th></tr></thead>
              <tbody>{p.items.map((l) => <tr key={l.id}><td class="mono">{l.code}</td><td>{l.name}</td><td>{dateTime(l.createdAt)}</td></tr>)}</tbody>
            </table>
          </div>
        )}
      </Async>
      <h2>{t('m.locations.add')}</h2>
      <form class="form-row" onSubmit={(e) => e.preventDefault()}>
        <Field label={t('m.locations.name')}><input value={name} maxLength={100} onInput={(e) => setName(e.currentTarget.value)} /></Field>
        <Field label={t('m.locations.code')} hint={t('m.locations.codeHint')}><input value={code} maxLength={32} pattern="[A-Za-z0-9_.\-]{1,32}" onInput={(e) => setCode(e.currentTarget.value)} /></Field>
        <Act class="primary" disabled={!name.trim() || !code.trim()} action={async () => {
          await api.post('/api/merchant/locations', { name: name.trim(), code: code.trim() });
          setName(''); setCode('');
          list.reload();
        }}>{t('m.locations.create')}</Act>
      </form>
    </section>
  );
}

export const LocationsPage = staffPage(Locations);
