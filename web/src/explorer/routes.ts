// The explorer area's pages.
import type { AppRoute } from '../app.tsx';
import './i18n.ts';
import { ExplorerHome } from './home.tsx';
import { BlockPage } from './block.tsx';
import { EntryPage } from './entry.tsx';
import { SearchPage } from './search.tsx';

export const explorerRoutes: AppRoute[] = [
  { path: '/explorer', component: ExplorerHome },
  { path: '/explorer/search', component: SearchPage },
  { path: '/explorer/blocks/:height', component: BlockPage },
  { path: '/explorer/entries/:index', component: EntryPage },
];
