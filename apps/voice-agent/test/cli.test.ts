import { createServer as createHttpServer } from 'node:http';
import { createServer, type Server } from 'node:net';
import { type RedisServerHandle, startRedisServer } from '@earshot/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import packageJson from '../package.json' with { type: 'json' };
import { runCli, serveCli } from './helpers/run-cli.js';

/** A 127.0.0.1 port nothing listens on (it was free a moment ago). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Each case must exit non-zero within 5 s with exactly one line on stderr that names the problem. */
async function expectOneLineFailure(args: string[], code: number, names: RegExp, env?: NodeJS.ProcessEnv) {
  const run = await runCli(args, { env });
  const lines = run.stderr.trim().split('\n');
  expect({ args, code: run.code, lines }).toEqual({ args, code, lines: [expect.stringMatching(names)] });
  expect(run.stdout).toBe('');
  expect(run.ms).toBeLessThan(5_000);
}

describe('the CLI refuses a bad command line with one line and exit 2', () => {
  const cases: Array<[string[], RegExp]> = [
    [['serve', '--port', 'abc'], /--port must be a whole number from 0 to 65535, got "abc"/],
    [['serve', '--port', '70000'], /--port must be a whole number .* got "70000"/],
    [['serve', '--port', '-1'], /--port/],
    [['serve', '--port'], /--port needs a value/],
    [['demo', '--otel', 'jaeger'], /--otel must be console or otlp, got "jaeger"/],
    [['serve', '--host', 'a b'], /--host must be a host name or IP address/],
    [['serve', '--token', 'short'], /--token must be 8 to 128 characters/],
    [['serve', '--bogus'], /unknown option --bogus/],
    [['serve', '--turns', '2'], /--turns applies to "demo" only/],
    [['demo', '--port', '1'], /--port applies to "serve" only/],
    [['demo', '--turns', 'abc'], /--turns must be a whole number from 1 to 100, got "abc"/],
    [['demo', '--turns', '0'], /--turns must be a whole number from 1 to 100, got "0"/],
    [['demo', '--turns', '2.5'], /--turns must be a whole number/],
    [['demo', '--session', 'a\nb'], /--session: .*control/i],
    [['demo', '--session', ''], /--session/],
    [['demo', '--realtime=yes'], /--realtime takes no value/],
    [['frobnicate'], /unknown command "frobnicate"/],
    [['serve', 'extra'], /unexpected argument "extra"/],
    [['serve', '--model', ''], /--model must not be empty/],
    [
      ['serve', '--redis-url', 'http://127.0.0.1:6379'],
      /--redis-url must start with redis:\/\/ or rediss:\/\//,
    ],
    [['serve', '--redis-url', 'not a url'], /--redis-url must be a URL/],
    [['serve', '--s3-bucket', 'Bad_Bucket'], /--s3-bucket "Bad_Bucket" is not a valid bucket name/],
    [['serve', '--s3-endpoint', 'http://127.0.0.1:9'], /--s3-endpoint needs --s3-bucket/],
    [
      ['serve', '--s3-bucket', 'rec', '--s3-endpoint', 'ftp://x'],
      /--s3-endpoint must start with http:\/\/ or https:\/\//,
    ],
    [
      ['serve', '--s3-bucket', 'rec', '--s3-endpoint', 'http://127.0.0.1:9'],
      /--s3-endpoint needs credentials/,
    ],
    [
      ['serve', '--s3-bucket', 'rec', '--s3-access-key', 'a'],
      /need both --s3-access-key and --s3-secret-key/,
    ],
  ];
  it.each(cases)('%j', async (args, names) => {
    await expectOneLineFailure(args, 2, names, { AWS_ACCESS_KEY_ID: '', AWS_SECRET_ACCESS_KEY: '' });
  });
});

describe('the CLI checks the port and the stores at start (one line, exit 1, within 5 s)', () => {
  let busy: Server;
  let busyPort: number;
  beforeAll(async () => {
    busy = createServer();
    await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
    busyPort = (busy.address() as { port: number }).port;
  });
  afterAll(() => new Promise<void>((resolve) => busy.close(() => resolve())));

  it('a port in use', async () => {
    await expectOneLineFailure(
      ['serve', '--port', String(busyPort)],
      1,
      new RegExp(`port ${busyPort} on 127.0.0.1 is already in use \\(EADDRINUSE\\)`),
    );
  });

  it('a host that is not on this machine', async () => {
    await expectOneLineFailure(['serve', '--port', '0', '--host', '192.0.2.1'], 1, /EADDRNOTAVAIL/);
  });

  it('a dead Redis: the address and "connection refused"', async () => {
    const port = await closedPort();
    await expectOneLineFailure(
      ['serve', '--port', '0', '--redis-url', `redis://127.0.0.1:${port}`],
      1,
      new RegExp(`Redis at redis://127.0.0.1:${port} is unreachable: connection refused \\(ECONNREFUSED\\)`),
    );
    await expectOneLineFailure(
      ['demo', '--redis-url', `redis://127.0.0.1:${port}`],
      1,
      /Redis at .* connection refused/,
    );
  });

  it('an unreachable S3 endpoint: the bucket, the endpoint and "connection refused"', async () => {
    const port = await closedPort();
    await expectOneLineFailure(
      [
        'serve',
        '--port',
        '0',
        '--s3-bucket',
        'recordings',
        '--s3-endpoint',
        `http://127.0.0.1:${port}`,
        '--s3-access-key',
        'key',
        '--s3-secret-key',
        'secret',
      ],
      1,
      new RegExp(`S3 bucket "recordings" at http://127.0.0.1:${port}/ is not usable: connection refused`),
    );
  });
});

describe('the CLI', () => {
  it('--help and --version', async () => {
    const help = await runCli(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/earshot-voice-agent serve \[--port 8080\]/);
    expect(help.stdout).toMatch(/--s3-access-key KEY/);
    const version = await runCli(['--version']);
    expect(version).toMatchObject({ code: 0, stdout: `${packageJson.version}\n` });
  });

  it('demo --turns 1 --session ID runs one turn in that session', async () => {
    const run = await runCli([
      'demo',
      '--turns',
      '1',
      '--session',
      'cli-demo-1',
      '--out',
      '/tmp/earshot-cli-demo',
    ]);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/session: cli-demo-1/);
    expect(run.stdout).toMatch(/turn 1: /);
    expect(run.stdout).not.toMatch(/turn 2: /);
    expect(run.stdout).toMatch(/call get_time/);
  });

  it('demo --otel console prints the run, connection and tool spans and the metrics', async () => {
    const run = await runCli(['demo', '--turns', '1', '--otel', 'console', '--out', '/tmp/earshot-cli-otel']);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/name: 'invoke_agent /);
    expect(run.stdout).toMatch(/name: 'live /);
    expect(run.stdout).toMatch(/name: 'execute_tool get_time'/);
    expect(run.stdout).toMatch(/'service.name': 'earshot-voice-agent'/);
    expect(run.stdout).toMatch(/name: 'earshot.runs.active'/);
    expect(run.stdout).toMatch(/name: 'earshot.audio.output.duration'/);
  });

  it('demo --otel otlp exports spans and metrics to OTEL_EXPORTER_OTLP_ENDPOINT', async () => {
    const received: Array<{ url: string; body: string }> = [];
    const collector = createHttpServer((request, response) => {
      let body = '';
      request.on('data', (chunk) => (body += chunk));
      request.on('end', () => {
        received.push({ url: request.url ?? '', body });
        response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      });
    });
    await new Promise<void>((resolve) => collector.listen(0, '127.0.0.1', resolve));
    const { port } = collector.address() as { port: number };
    try {
      const run = await runCli(['demo', '--turns', '1', '--otel', 'otlp', '--out', '/tmp/earshot-cli-otlp'], {
        env: { OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${port}`, OTEL_SERVICE_NAME: 'otlp-test' },
      });
      expect(run.code).toBe(0);
      const traces = received
        .filter((r) => r.url === '/v1/traces')
        .map((r) => r.body)
        .join('');
      const metrics = received
        .filter((r) => r.url === '/v1/metrics')
        .map((r) => r.body)
        .join('');
      expect(traces).toContain('invoke_agent');
      expect(traces).toContain('otlp-test');
      expect(metrics).toContain('earshot.runs.active');
    } finally {
      await new Promise<void>((resolve) => collector.close(() => resolve()));
    }
  });

  describe('serve with a live Redis', () => {
    let redis: RedisServerHandle;
    beforeAll(async () => {
      redis = await startRedisServer();
    });
    afterAll(() => redis.stop());

    it('PINGs Redis, prints the URL with the token, serves the page only with it and stops on SIGTERM', async () => {
      const cli = await serveCli(['--port', '0', '--redis-url', redis.url, '--token', 'cli-test-token']);
      try {
        expect(cli.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/\?token=cli-test-token$/);
        expect(cli.output()).toMatch(/model: offline scripted model/);
        expect(cli.output()).toMatch(new RegExp(`sessions: ${redis.url.replace(/[/.]/g, '\\$&')}`));
        expect((await fetch(cli.url)).status).toBe(200);
        expect((await fetch(`${cli.url}&session=any&x=1`)).status).toBe(200);
        expect((await fetch(cli.url.replace('cli-test-token', 'wrong-token'))).status).toBe(401);
      } finally {
        expect(await cli.stop()).toBe(0);
      }
    });
  });

  it('serve makes a random token when none is given', async () => {
    const cli = await serveCli(['--port', '0']);
    try {
      expect(cli.url).toMatch(/\?token=[A-Za-z0-9_-]{32}$/);
      expect((await fetch(cli.url)).status).toBe(200);
    } finally {
      await cli.stop();
    }
  });
});
