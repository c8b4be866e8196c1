// Keeps a real Ceph RADOS Gateway running for the README examples (the workspace's built
// @earshot/testing starts it, @aws-sdk/client-s3 of artifact-s3 creates the bucket), writes its
// endpoint and keys as shell assignments to the file named, and stops it on SIGTERM/SIGINT.
// Usage: node example-rgw.mjs <repo root> <env file> <bucket>
import { writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const [root, envFile, bucket] = process.argv.slice(2);
const fromArtifactS3 = createRequire(join(root, 'packages/artifact-s3/package.json'));
const { startCephRgw } = await import(pathToFileURL(join(root, 'packages/testing/dist/index.js')).href);
const { CreateBucketCommand, S3Client } = await import(
  pathToFileURL(fromArtifactS3.resolve('@aws-sdk/client-s3')).href
);

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true'; // this helper's own client
const rgw = await startCephRgw();
const stop = () => rgw.stop().finally(() => process.exit(0));
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
const client = new S3Client(rgw.clientConfig);
await client.send(new CreateBucketCommand({ Bucket: bucket }));
client.destroy();
const { accessKeyId, secretAccessKey } = rgw.clientConfig.credentials;
writeFileSync(
  envFile,
  `S3_ENDPOINT=${rgw.endpoint}\nS3_ACCESS_KEY=${accessKeyId}\nS3_SECRET_KEY=${secretAccessKey}\n`,
);
console.log(`Ceph RGW for the examples at ${rgw.endpoint} (started in ${rgw.startupMs} ms)`);
setInterval(() => {}, 1 << 30); // keep running until signalled
