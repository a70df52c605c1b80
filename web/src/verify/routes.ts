// The verify area's pages.
import type { AppRoute } from '../app.tsx';
import './i18n.ts';
import { VerifyPage } from './verify-page.tsx';

export const verifyRoutes: AppRoute[] = [{ path: '/verify', component: VerifyPage }];
