import { earshotVitest } from '../../vitest.base.js';

// --expose-gc: the memory tests force collections so samples measure what is retained.
export default earshotVitest({ execArgv: ['--expose-gc'] });
