// The account area's pages.
import type { AppRoute } from '../app.tsx';

export const accountRoutes: AppRoute[] = [];
