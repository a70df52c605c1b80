// The admin area's pages.
import type { AppRoute } from '../app.tsx';

export const adminRoutes: AppRoute[] = [];
