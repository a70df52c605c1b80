// The games area's pages: check-in and draws, a draw's verification in the browser, its explorer view, admin.
import type { AppRoute } from '../app.tsx';
import './i18n.ts';
import { GamesHome } from './home.tsx';
import { DrawPage } from './draw-page.tsx';
import { VerifyDrawPage } from './verify-draw.tsx';
import { ExplorerDrawPage } from './explorer-draw.tsx';
import { AdminDrawsPage } from './admin-draws.tsx';

export const gamesRoutes: AppRoute[] = [
  { path: '/games', component: GamesHome },
  { path: '/games/draws/:id', component: DrawPage },
  { path: '/verify/draw/:id', component: VerifyDrawPage },
  { path: '/explorer/draws/:id', component: ExplorerDrawPage },
  { path: '/admin/draws', component: AdminDrawsPage },
];
