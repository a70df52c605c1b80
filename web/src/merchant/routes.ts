// The merchant area's pages.
import type { AppRoute } from '../app.tsx';

export const merchantRoutes: AppRoute[] = [];
