export {
  type S3ConditionalWriteGate,
  type S3ConditionalWriteGateOptions,
  startS3ConditionalWriteGate,
} from './conditional-write-gate.js';
