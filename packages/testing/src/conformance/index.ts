import type { ArtifactService, SessionService } from '@earshot/core';
import { artifactScopeChecks, artifactVersionChecks } from './artifact-checks.js';
import { artifactListingChecks } from './artifact-listing-checks.js';
import {
  type ConformanceCheck,
  type ConformanceOptions,
  registerChecks,
  type ServiceFactory,
} from './check.js';
import { sessionIsolationChecks, sessionLifecycleChecks } from './session-checks.js';
import { sessionEventChecks } from './session-event-checks.js';
import { sessionPagingChecks } from './session-paging-checks.js';
import { sessionStateChecks } from './session-state-checks.js';

export type { CheckOutcome, ConformanceCheck, ConformanceOptions, ServiceFactory } from './check.js';
export { runChecks } from './check.js';
export { expectEarshotError } from './expect-error.js';

/** Every semantic a `SessionService` must have, as named checks. */
export const sessionServiceChecks: readonly ConformanceCheck<SessionService>[] = [
  ...sessionLifecycleChecks,
  ...sessionIsolationChecks,
  ...sessionStateChecks,
  ...sessionEventChecks,
  ...sessionPagingChecks,
];

/** Every semantic an `ArtifactService` must have, as named checks. */
export const artifactServiceChecks: readonly ConformanceCheck<ArtifactService>[] = [
  ...artifactVersionChecks,
  ...artifactScopeChecks,
  ...artifactListingChecks,
];

/**
 * Registers the session-service conformance suite with vitest. `factory` is called once per
 * check and must return a service over an empty, isolated store.
 *
 * ```ts
 * import { sessionServiceConformance } from '@earshot/testing/conformance';
 * sessionServiceConformance('MySessionService', () => new MySessionService({ ... }));
 * ```
 */
export function sessionServiceConformance(
  name: string,
  factory: ServiceFactory<SessionService>,
  options?: ConformanceOptions,
): void {
  registerChecks(`SessionService conformance: ${name}`, sessionServiceChecks, factory, options);
}

/** Registers the artifact-service conformance suite with vitest (see `sessionServiceConformance`). */
export function artifactServiceConformance(
  name: string,
  factory: ServiceFactory<ArtifactService>,
  options?: ConformanceOptions,
): void {
  registerChecks(`ArtifactService conformance: ${name}`, artifactServiceChecks, factory, options);
}
