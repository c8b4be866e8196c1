process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true'; // the SDK's Node 22 notice, once per process

import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { startCephRgw } from '@earshot/testing';
import type { TestProject } from 'vitest/node';
import { BUCKET, type RgwConfig } from './rgw.js';

/**
 * One real Ceph RADOS Gateway for the whole package run (about 13 s to start): every test file
 * gets its endpoint and keys through `inject('rgw')`, and isolates itself by key prefix.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const rgw = await startCephRgw();
  const client = new S3Client(rgw.clientConfig);
  try {
    await client.send(new CreateBucketCommand({ Bucket: BUCKET }));
  } catch (error) {
    await rgw.stop();
    throw error;
  } finally {
    client.destroy();
  }
  const config: RgwConfig = { ...rgw.clientConfig, startupMs: rgw.startupMs };
  project.provide('rgw', config);
  return () => rgw.stop();
}
