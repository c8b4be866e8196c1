import { describe, it } from 'vitest';

/** One named conformance check: runs its assertions (vitest `expect`) against a fresh service. */
export interface ConformanceCheck<S> {
  name: string;
  run(factory: () => Promise<S>): Promise<void>;
}

/** Creates a fresh service for each check; may be sync or async. */
export type ServiceFactory<S> = () => S | Promise<S>;

export interface ConformanceOptions {
  /** Per-check timeout in ms (default 30 000); remote backends may need more. */
  timeoutMs?: number;
}

/** Registers each check as a vitest test inside one `describe` block. */
export function registerChecks<S>(
  title: string,
  checks: readonly ConformanceCheck<S>[],
  factory: ServiceFactory<S>,
  options: ConformanceOptions = {},
): void {
  describe(title, () => {
    for (const check of checks) {
      it(check.name, () => check.run(async () => factory()), options.timeoutMs ?? 30_000);
    }
  });
}

/** Result of running checks outside vitest's registration, e.g. to prove a broken backend fails them. */
export interface CheckOutcome {
  name: string;
  passed: boolean;
  error?: unknown;
}

export async function runChecks<S>(
  checks: readonly ConformanceCheck<S>[],
  factory: ServiceFactory<S>,
): Promise<CheckOutcome[]> {
  const outcomes: CheckOutcome[] = [];
  for (const check of checks) {
    try {
      await check.run(async () => factory());
      outcomes.push({ name: check.name, passed: true });
    } catch (error) {
      outcomes.push({ name: check.name, passed: false, error });
    }
  }
  return outcomes;
}
