import { FunctionTool, GeminiLiveModel, type GeminiLiveModelOptions, LlmAgent } from '@earshot/runner';

export const DEFAULT_MODEL = 'gemini-live-2.5-flash-preview';

/** The tool the example agent can call: the current time in a time zone. */
export const getTimeTool = new FunctionTool({
  name: 'get_time',
  description: 'Returns the current time in an IANA time zone, e.g. "Europe/Paris" or "UTC".',
  parameters: {
    type: 'object',
    properties: { timezone: { type: 'string', description: 'IANA time zone name' } },
    required: ['timezone'],
  },
  execute: async (args: { timezone?: unknown }) => {
    const timezone = typeof args.timezone === 'string' ? args.timezone : 'UTC';
    const time = new Intl.DateTimeFormat('en-GB', { timeZone: timezone, timeStyle: 'medium' }).format(
      new Date(),
    );
    return { timezone, time };
  },
});

/** The example voice agent, on a Gemini Live model (real, or a FakeLiveServer through `baseUrl`). */
export function createVoiceAgent(model: GeminiLiveModelOptions): LlmAgent {
  return new LlmAgent({
    name: 'clock_agent',
    description: 'Tells the time, briefly and kindly.',
    instruction:
      'You are a friendly voice assistant. Use get_time when asked about the time. Keep answers short.',
    model: new GeminiLiveModel(model),
    tools: [getTimeTool],
  });
}
