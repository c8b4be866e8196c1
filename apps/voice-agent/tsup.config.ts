import { earshotTsup } from '../../tsup.base.js';

export default earshotTsup({ cli: 'src/cli.ts', index: 'src/index.ts' }, { format: ['esm'] });
