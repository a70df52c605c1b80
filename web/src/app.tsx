// Routes of every area, the frame, and the session loaded once at start.
import type { FunctionComponent } from 'preact';
import { useEffect } from 'preact/hooks';
import { LocationProvider, Route, Router } from 'preact-iso';
import { Layout } from './components/layout.tsx';
import { SignInPage } from './components/signin.tsx';
import { PageTitle } from './components/ui.tsx';
import { t } from './lib/i18n.ts';
import { loadUser } from './lib/session.ts';
import './lib/messages.ts';
import { storeRoutes } from './store/routes.ts';
import { accountRoutes } from './account/routes.ts';
import { merchantRoutes } from './merchant/routes.ts';
import { adminRoutes } from './admin/routes.ts';
import { explorerRoutes } from './explorer/routes.ts';
import { verifyRoutes } from './verify/routes.ts';
// modules: web imports
import { adsRoutes } from './ads/routes.ts';
import { gamesRoutes } from './games/routes.ts';
import { liveRoutes } from './live/routes.ts';
import { socialRoutes } from './social/routes.ts';

/** An area's pages: a path pattern (preact-iso syntax, e.g. '/orders/:id') and its component. */
export interface AppRoute {
  path: string;
  component: FunctionComponent<any>;
}

const routes: AppRoute[] = [...storeRoutes, ...accountRoutes, ...merchantRoutes, ...adminRoutes, ...explorerRoutes, ...verifyRoutes, ...socialRoutes, ...liveRoutes , ...gamesRoutes, ...adsRoutes /* modules: web routes */];

function NotFound() {
  return (
    <section>
      <PageTitle>{t('notfound.title')}</PageTitle>
      <a href="/">{t('notfound.back')}</a>
    </section>
  );
}

export function App() {
  useEffect(() => {
    loadUser().catch(() => undefined);
  }, []);
  return (
    <LocationProvider>
      <Layout>
        <Router>
          <Route path="/signin" component={SignInPage} />
          {routes.map((r) => <Route key={r.path} path={r.path} component={r.component} />)}
          <Route default component={NotFound} />
        </Router>
      </Layout>
    </LocationProvider>
  );
}
