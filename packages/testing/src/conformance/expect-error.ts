import { expect } from 'vitest';

/**
 * Asserts a typed Earshot error by its stable `code` (not `instanceof`, so a backend built
 * against another copy of `@earshot/core` still passes) and, for invalid arguments, that the
 * message names the offending field.
 */
export async function expectEarshotError(
  action: Promise<unknown> | (() => Promise<unknown>),
  code: string,
  field?: string,
): Promise<void> {
  let caught: unknown;
  try {
    await (typeof action === 'function' ? action() : action);
  } catch (error) {
    caught = error;
  }
  expect(caught, `expected an error with code ${code}`).toBeInstanceOf(Error);
  expect((caught as { code?: unknown }).code).toBe(code);
  if (field !== undefined) expect((caught as Error).message).toContain(field);
}
