import { earshotTsup } from '../../tsup.base.js';

// `build` empties dist/ first: the two configs run side by side, so neither may clean it.
export default [
  earshotTsup({ index: 'src/index.ts' }, { clean: false }),
  earshotTsup(
    { 'browser/index': 'src/browser/index.ts' },
    {
      clean: false,
      format: ['esm'],
      platform: 'browser',
      target: 'es2022',
      tsconfig: 'tsconfig.browser.json',
    },
  ),
];
