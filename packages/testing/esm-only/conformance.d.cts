/**
 * `@earshot/testing/conformance` is ESM-only (vitest, which runs its suites, cannot be loaded with
 * `require()`): import it from an ES module, such as a vitest test file.
 */
declare const esmOnly: '@earshot/testing/conformance is ESM-only: import it from an ES module, such as a vitest test file';
export = esmOnly;
