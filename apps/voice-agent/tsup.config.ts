import { earshotTsup } from '../../tsup.base.js';

// Splitting: the CLI loads the stack's SDKs in a chunk of its own, after the command line checked out.
export default earshotTsup(
  { cli: 'src/cli.ts', index: 'src/index.ts' },
  { format: ['esm'], splitting: true },
);
