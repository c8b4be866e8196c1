import { randomUUID } from 'node:crypto';
import { artifactServiceConformance } from '@earshot/testing/conformance';
import { S3ArtifactService } from '../src/index.js';
import { BUCKET, useRgw } from './helpers/rgw.js';

// A real Ceph RGW, no conditional-write emulation in front of it; each check gets a fresh
// random prefix (an empty, isolated store).
const rgw = useRgw();

artifactServiceConformance(
  'S3ArtifactService on Ceph RGW',
  async () =>
    new S3ArtifactService({ bucket: BUCKET, client: rgw.client, prefix: `conformance-${randomUUID()}` }),
  { timeoutMs: 60_000 },
);
