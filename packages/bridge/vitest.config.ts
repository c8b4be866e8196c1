import { earshotVitest } from '../../vitest.base.js';

export default earshotVitest();
