export { createVoiceAgent, DEFAULT_MODEL, getTimeTool } from './agent.js';
export { attachVoiceBridge, eventForBrowser, type VoiceBridge, type VoiceBridgeOptions } from './bridge.js';
export { type DemoOptions, type DemoResult, describeEvent, runDemo } from './demo.js';
export { startVoiceAgentServer, type VoiceAgentServer } from './http-server.js';
export { attachScriptedModel, type ScriptedModelOptions } from './scripted-model.js';
export { APP_NAME, createStack, type Stack, type StackOptions } from './stack.js';
