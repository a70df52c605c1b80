// The store area's pages.
import type { AppRoute } from '../app.tsx';

export const storeRoutes: AppRoute[] = [];
