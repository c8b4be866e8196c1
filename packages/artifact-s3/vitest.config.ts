import { earshotVitest } from '../../vitest.base.js';

// The SDK warns once per process that its 2027 releases will need Node 22; not news in tests.
export default earshotVitest({ env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' } });
