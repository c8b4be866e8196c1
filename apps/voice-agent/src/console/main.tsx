import { render } from 'preact';
import { App } from './app.js';
import { readParams } from './lib/params.js';
import './styles.css';

render(<App params={readParams()} />, document.getElementById('app') as HTMLElement);
