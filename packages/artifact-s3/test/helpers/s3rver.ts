import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { S3Client } from '@aws-sdk/client-s3';

export const BUCKET = 'artifacts';

export interface S3rverProcess {
  endpoint: string;
  pid: number;
  directory: string;
  /** SIGKILL, keeping the data directory (to simulate the endpoint dying mid-request). */
  kill(): Promise<void>;
  /** SIGTERM (SIGKILL after 5 s), then removes the data directory unless `keepData`. */
  stop(options?: { keepData?: boolean }): Promise<void>;
}

const s3rverBin = join(
  dirname(createRequire(import.meta.url).resolve('s3rver/package.json')),
  'bin/s3rver.js',
);

/**
 * Starts s3rver as a child process on a free loopback port. It runs with
 * `--openssl-legacy-provider` (its listing continuation tokens use DES) so the test process
 * itself stays clean. Pass `directory` to restart on the data of an earlier run.
 */
export async function startS3rver({ directory }: { directory?: string } = {}): Promise<S3rverProcess> {
  const dir = directory ?? (await mkdtemp(join(tmpdir(), 'earshot-s3rver-')));
  const nodeOptions = [process.env.NODE_OPTIONS, '--openssl-legacy-provider'].filter(Boolean).join(' ');
  const child = spawn(
    process.execPath,
    [
      s3rverBin,
      '-d',
      dir,
      '-a',
      '127.0.0.1',
      '-p',
      '0',
      '--silent',
      '--no-vhost-buckets',
      '--configure-bucket',
      BUCKET,
    ],
    { env: { ...process.env, NODE_OPTIONS: nodeOptions }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const pid = child.pid;
  if (pid === undefined) throw new Error('s3rver did not spawn');
  const port = await waitForPort(child);
  const exited = once(child, 'exit');
  const waitExit = async (ms: number) =>
    child.exitCode !== null || child.signalCode !== null
      ? true
      : Promise.race([exited.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), ms))]);
  return {
    endpoint: `http://127.0.0.1:${port}`,
    pid,
    directory: dir,
    async kill() {
      process.kill(pid, 'SIGKILL');
      await waitExit(5_000);
    },
    async stop({ keepData = false } = {}) {
      if (child.exitCode === null && child.signalCode === null) {
        process.kill(pid, 'SIGTERM');
        if (!(await waitExit(5_000))) {
          process.kill(pid, 'SIGKILL');
          await waitExit(5_000);
        }
      }
      if (!keepData) await rm(dir, { recursive: true, force: true });
    },
  };
}

async function waitForPort(child: ChildProcess): Promise<number> {
  let output = '';
  return new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`s3rver did not start within 20 s:\n${output}`));
    }, 20_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /S3rver listening on 127\.0\.0\.1:(\d+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        child.stdout?.off('data', onData);
        child.stdout?.resume();
        resolve(Number(match[1]));
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`s3rver exited with ${code} before listening:\n${output}`));
    });
  });
}

/** A client with the settings s3rver needs (see the README's testing section). */
export function s3rverClient(endpoint: string, extra: { maxAttempts?: number } = {}): S3Client {
  return new S3Client({
    endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    maxAttempts: extra.maxAttempts ?? 3,
    requestHandler: { connectionTimeout: 2_000, socketTimeout: 10_000 },
  });
}
