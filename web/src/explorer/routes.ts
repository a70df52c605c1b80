// The explorer area's pages.
import type { AppRoute } from '../app.tsx';

export const explorerRoutes: AppRoute[] = [];
