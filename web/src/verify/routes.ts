// The verify area's pages.
import type { AppRoute } from '../app.tsx';

export const verifyRoutes: AppRoute[] = [];
