'use strict';
// `require('@earshot/testing/conformance')` lands here. The suites register vitest tests, and vitest
// cannot be loaded with require(), so instead of vitest's own stack this says what to do.
const error = new Error(
  '@earshot/testing/conformance is ESM-only, because vitest (which runs its suites) cannot be loaded with ' +
    "require(). Import it from a test file instead: `import { sessionServiceConformance } from '@earshot/testing/conformance'` " +
    '(vitest runs test files as ES modules, in CommonJS projects too), or use ' +
    "`await import('@earshot/testing/conformance')`. The main entry `@earshot/testing` works with require().",
);
error.code = 'ERR_REQUIRE_ESM';
throw error;
