import type { FakeProtocolError, LiveClientFrame } from './types.js';

/** A function the client declared in its `setup` (`tools[].functionDeclarations[]`). */
export interface FakeFunctionDeclaration {
  name: string;
  /** `NON_BLOCKING` when declared so; undefined is the API's default (blocking). */
  behavior: string | undefined;
  [key: string]: unknown;
}

/** One function response the client sent, with what the Live API reads from it. */
export interface FakeToolResponse {
  id: string | undefined;
  name: string | undefined;
  response: Record<string, unknown> | undefined;
  /** `INTERRUPT` / `WHEN_IDLE` / `SILENT`, for a non-blocking function. */
  scheduling: string | undefined;
  /** True: more responses to this call follow; false or undefined: the last one. */
  willContinue: boolean | undefined;
  /** Index of its frame in `received`. */
  frameIndex: number;
}

const SCHEDULINGS = new Set(['INTERRUPT', 'WHEN_IDLE', 'SILENT', 'SCHEDULING_UNSPECIFIED']);

/** The function declarations of a `setup` frame, as the server reads them. */
export function declarationsOf(setup: Record<string, unknown>): FakeFunctionDeclaration[] {
  const tools = Array.isArray(setup.tools) ? (setup.tools as Array<Record<string, unknown>>) : [];
  return tools.flatMap((tool) => {
    const declarations = Array.isArray(tool?.functionDeclarations) ? tool.functionDeclarations : [];
    return (declarations as Array<Record<string, unknown>>).map((declaration) => ({
      ...declaration,
      name: String(declaration.name),
      behavior: typeof declaration.behavior === 'string' ? declaration.behavior : undefined,
    }));
  });
}

/**
 * Records the function responses a connection receives and checks them against the
 * declarations as the Live API would: a response must name a declared function; `scheduling`
 * belongs to `NON_BLOCKING` functions and must be a known value; `willContinue: true` belongs to
 * non-blocking functions; nothing may follow the last response to a call. A breach goes to
 * `conn.toolResponseErrors`; the response is recorded anyway.
 */
export class ToolResponseLog {
  readonly responses: FakeToolResponse[] = [];
  private readonly finished = new Set<string>();

  constructor(
    private readonly declarations: () => FakeFunctionDeclaration[],
    private readonly problems: FakeProtocolError[],
  ) {}

  record(frame: LiveClientFrame, frameIndex: number): void {
    const list = frame.toolResponse?.functionResponses;
    if (!Array.isArray(list)) return;
    for (const raw of list) {
      const response: FakeToolResponse = {
        id: typeof raw.id === 'string' ? raw.id : undefined,
        name: typeof raw.name === 'string' ? raw.name : undefined,
        response: raw.response,
        scheduling: typeof raw.scheduling === 'string' ? raw.scheduling : undefined,
        willContinue: typeof raw.willContinue === 'boolean' ? raw.willContinue : undefined,
        frameIndex,
      };
      this.responses.push(response);
      const problem = this.check(response);
      if (problem) this.problems.push({ message: `toolResponse: ${problem}`, raw: JSON.stringify(raw) });
    }
  }

  private check(response: FakeToolResponse): string | undefined {
    const declaration = this.declarations().find((d) => d.name === response.name);
    if (!declaration) return `response for undeclared function ${JSON.stringify(response.name)}`;
    const nonBlocking = declaration.behavior === 'NON_BLOCKING';
    if (response.scheduling !== undefined && !SCHEDULINGS.has(response.scheduling)) {
      return `unknown scheduling ${JSON.stringify(response.scheduling)}`;
    }
    if (response.scheduling !== undefined && !nonBlocking) {
      return `scheduling on ${response.name}, which is not declared NON_BLOCKING`;
    }
    if (response.willContinue === true && !nonBlocking) {
      return `willContinue on ${response.name}, which is not declared NON_BLOCKING`;
    }
    if (response.id !== undefined) {
      if (this.finished.has(response.id)) return `response to call ${response.id} after its last one`;
      if (response.willContinue !== true) this.finished.add(response.id);
    }
    return undefined;
  }
}
