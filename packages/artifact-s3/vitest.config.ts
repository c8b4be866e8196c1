import { earshotVitest } from '../../vitest.base.js';

// One real Ceph RGW for the whole run (test/helpers/rgw-global-setup.ts); s3rver only where a
// test needs a fault RGW cannot produce. The SDK warns once per process that its 2027
// releases will need Node 22; not news in tests.
export default earshotVitest({
  globalSetup: ['test/helpers/rgw-global-setup.ts'],
  env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
});
