import { createRunConfig } from '@earshot/core';

/**
 * The run config of every conversation, in the terminal demo and the console alike:
 * recordings on, both transcriptions, push-to-talk (the page and the demo mark each user turn,
 * which behaves the same against the scripted model and Gemini), and session resumption on so
 * a resumed session resumes the model from the handle saved in session state.
 */
export const LIVE_RUN_CONFIG = createRunConfig({
  saveLiveAudio: true,
  inputAudioTranscription: {},
  outputAudioTranscription: {},
  realtimeInputConfig: { automaticActivityDetection: { disabled: true } },
  sessionResumption: {},
});
