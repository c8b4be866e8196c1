export { CLIENT_DEFAULTS } from './client.js';
export { MAX_KEY_BYTES, USER_SCOPE } from './object-keys.js';
export {
  createS3ArtifactService,
  S3ArtifactService,
  type S3ArtifactServiceOptions,
} from './s3-artifact-service.js';
export type { S3TelemetryOptions } from './telemetry.js';
