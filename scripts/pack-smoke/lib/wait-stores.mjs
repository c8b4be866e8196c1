// Waits (up to 15 s) until the example stores answer: redis-server a PING at the Redis URL, s3rver
// any HTTP response at the S3 endpoint. Exits 1 naming the one that did not come up.
// Usage: node wait-stores.mjs <redis url> <s3 endpoint>
import { connect } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

const [redisUrl, s3Endpoint] = process.argv.slice(2);
const redis = new URL(redisUrl);
const ping = () =>
  new Promise((resolve) => {
    const socket = connect(Number(redis.port), redis.hostname, () => socket.write('PING\r\n'));
    socket.once('data', (data) => {
      resolve(data.toString().startsWith('+PONG'));
      socket.destroy();
    });
    socket.once('error', () => resolve(false));
  });
const s3 = () =>
  fetch(s3Endpoint).then(
    () => true,
    () => false,
  );

const deadline = Date.now() + 15_000;
const ready = { redis: false, s3: false };
while (Date.now() < deadline && !(ready.redis && ready.s3)) {
  ready.redis ||= await ping();
  ready.s3 ||= await s3();
  if (!(ready.redis && ready.s3)) await sleep(100);
}
for (const [store, up] of Object.entries(ready)) {
  if (!up) {
    console.error(
      `pack smoke: the example store ${store} did not come up within 15 s (PACK_SMOKE_KEEP=1 keeps its log in the scratch directory's logs/)`,
    );
    process.exit(1);
  }
}
