import type { RunConfig } from '@earshot/core';
import type { LiveConnectConfig, SessionResumptionConfig } from '@google/genai';
import type { FunctionTool } from '../tools/function-tool.js';

const RUN_CONFIG_FIELDS = [
  'responseModalities',
  'speechConfig',
  'inputAudioTranscription',
  'outputAudioTranscription',
  'realtimeInputConfig',
  'contextWindowCompression',
  'proactivity',
  'enableAffectiveDialog',
] as const satisfies readonly (keyof RunConfig & keyof LiveConnectConfig)[];

/**
 * A brand-new connect config for one connection: the SDK mutates what it is given, so nothing
 * in it may be shared with the run config, the agent or an earlier connection.
 * `sessionResumption` is passed separately so a reconnect can put its handle in.
 */
export function buildConnectConfig({
  runConfig,
  instruction,
  tools,
  sessionResumption,
}: {
  runConfig: RunConfig;
  instruction: string | undefined;
  tools: readonly FunctionTool[];
  sessionResumption: SessionResumptionConfig | undefined;
}): LiveConnectConfig {
  const config: LiveConnectConfig = {};
  for (const key of RUN_CONFIG_FIELDS) {
    const value = runConfig[key];
    if (value !== undefined) Object.assign(config, { [key]: structuredClone(value) });
  }
  if (sessionResumption !== undefined) config.sessionResumption = structuredClone(sessionResumption);
  if (instruction) config.systemInstruction = instruction;
  if (tools.length > 0) {
    config.tools = [{ functionDeclarations: tools.map((tool) => tool.declaration()) }];
  }
  return config;
}
