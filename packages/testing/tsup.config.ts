import { earshotTsup } from '../../tsup.base.js';

export default earshotTsup({ index: 'src/index.ts', conformance: 'src/conformance/index.ts' });
