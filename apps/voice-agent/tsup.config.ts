import { earshotTsup } from '../../tsup.base.js';

export default earshotTsup({ demo: 'src/demo.ts' }, { format: ['esm'], dts: false });
