// The frame of a console area (merchant, admin): pages only for some roles — a sign-in prompt for
// visitors, a 403 text for other roles — with the area's section navigation.
import type { ComponentChildren } from 'preact';
import { useLocation } from 'preact-iso';
import { t } from '../lib/i18n.ts';
import { user, type Role } from '../lib/session.ts';
import { Loading, PageTitle } from './ui.tsx';

export interface ConsoleArea {
  roles: Role[];
  /** [href, message key]; the first is the area's home. */
  sections: [string, string][];
  /** Message keys: the area's title, its navigation label, the sign-in prompt and the 403 text. */
  keys: { title: string; nav: string; signin: string; forbidden: string };
  /** Shown above every page for a role (e.g. "read-only" for auditors). */
  note?: (role: Role) => ComponentChildren;
}

function SectionNav({ area }: { area: ConsoleArea }) {
  const { path } = useLocation();
  const home = area.sections[0]?.[0];
  return (
    <nav class="subnav" aria-label={t(area.keys.nav)}>
      {area.sections.map(([href, key]) => {
        const current = href === home ? path === href : path === href || path.startsWith(`${href}/`);
        return <a key={href} href={href} aria-current={current ? 'page' : undefined}>{t(key)}</a>;
      })}
    </nav>
  );
}

export function Console({ area, children }: { area: ConsoleArea; children: ComponentChildren }) {
  const { path } = useLocation();
  const u = user.value;
  if (u === undefined) return <Loading />;
  if (u === null || !area.roles.includes(u.role)) {
    return (
      <section class="narrow">
        <PageTitle>{t(area.keys.title)}</PageTitle>
        {u === null
          ? <><p>{t(area.keys.signin)}</p><p><a href={`/signin?next=${encodeURIComponent(path)}`}>{t('nav.signin')}</a></p></>
          : <p class="error" role="alert">{t(area.keys.forbidden)}</p>}
      </section>
    );
  }
  return (
    <div class="console">
      <SectionNav area={area} />
      {area.note?.(u.role)}
      {children}
    </div>
  );
}

/** Wraps a page component so that its hooks run only inside the console's gate. */
export function consolePage<P extends object>(area: ConsoleArea, Inner: (props: P) => any) {
  return (props: P) => <Console area={area}><Inner {...props} /></Console>;
}
