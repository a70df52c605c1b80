import { render } from 'preact';
import { App } from './app.tsx';
import { locale } from './lib/i18n.ts';
import './styles.css';

document.documentElement.lang = locale.value;
render(<App />, document.getElementById('app')!);
