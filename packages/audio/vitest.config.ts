import { earshotVitest } from '../../vitest.base.js';

// --expose-gc: the memory test forces collections so heap samples measure what is retained.
export default earshotVitest({ execArgv: ['--expose-gc'] });
