import type { ChildProcess } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../free-port.js';
import { cephConfig } from './ceph-config.js';
import {
  findBinaries,
  isRunning,
  releaseScratchDir,
  run,
  spawnDaemon,
  stopDaemon,
  trackScratchDir,
  waitUntil,
} from './daemons.js';

/** Every binary the starter runs (Debian packages `ceph-mon ceph-osd radosgw ceph-common`). */
export const CEPH_RGW_BINARIES = [
  'ceph-authtool',
  'monmaptool',
  'ceph-mon',
  'ceph',
  'ceph-osd',
  'radosgw',
  'radosgw-admin',
] as const;

export interface StartCephRgwOptions {
  /** Directory holding the Ceph binaries; default `$CEPH_BIN_DIR`, else `PATH`. */
  binDir?: string;
  /** The OSD keeps objects in RAM, up to this many bytes. Default 4 GiB (it grows with data). */
  memstoreBytes?: number;
  /** Give up starting after this long. Default 90 s (about 13 s on a loaded 2-core machine). */
  startTimeoutMs?: number;
}

export interface CephRgwHandle {
  /** `http://127.0.0.1:<port>`: the gateway's S3 endpoint (path-style addressing). */
  readonly endpoint: string;
  /** A ready `S3Client` config: endpoint, region `us-east-1`, path style, the user's keys. */
  readonly clientConfig: {
    endpoint: string;
    region: string;
    forcePathStyle: true;
    credentials: { accessKeyId: string; secretAccessKey: string };
  };
  /** Pids of the monitor, the OSD and the gateway. */
  readonly pids: { mon: number; osd: number; rgw: number };
  /** Temp dir with the config, keyring and logs; removed by `stop()`. */
  readonly dir: string;
  /** How long the start took, ms. */
  readonly startupMs: number;
  /** SIGKILLs the three daemons (memstore: nothing to save), waits for them, removes the dir. Idempotent. */
  stop(): Promise<void>;
}

/**
 * Starts a real Ceph RADOS Gateway (S3) on loopback: a one-monitor, one-memstore-OSD cluster
 * without cephx, the gateway on a free 127.0.0.1 port, and an S3 user with random keys.
 * Takes about 13 s here. Always `stop()` it (daemons still running when Node exits are
 * SIGKILLed as a last resort). Throws at once, naming the Debian packages, if a binary is
 * missing. Create buckets with your S3 client.
 */
export async function startCephRgw(options: StartCephRgwOptions = {}): Promise<CephRgwHandle> {
  const started = Date.now();
  const { found, missing } = findBinaries(CEPH_RGW_BINARIES, options.binDir ?? process.env.CEPH_BIN_DIR);
  if (missing.length > 0) {
    throw new Error(
      `startCephRgw: ${missing.join(', ')} not found ${options.binDir ? `in ${options.binDir}` : 'on PATH'}. ` +
        'Install the Debian packages ceph-mon ceph-osd radosgw ceph-common ' +
        '(scripts/setup.sh does), or set CEPH_BIN_DIR.',
    );
  }
  const bin = (name: (typeof CEPH_RGW_BINARIES)[number]) => found.get(name) as string;
  const timeoutMs = options.startTimeoutMs ?? 90_000;
  const deadline = started + timeoutMs;
  const left = () => Math.max(1_000, deadline - Date.now());

  const dir = mkdtempSync(join(tmpdir(), 'earshot-ceph-'));
  trackScratchDir(dir);
  for (const sub of ['run', 'log', 'rgw', 'mon.a']) mkdirSync(join(dir, sub));
  const conf = join(dir, 'ceph.conf');
  const [monPort, rgwPort] = [await freePort(), await freePort()];
  const fsid = randomUUID();
  writeFileSync(
    conf,
    cephConfig({ fsid, dir, monPort, rgwPort, memstoreBytes: options.memstoreBytes ?? 4 * 1024 ** 3 }),
  );
  const c = ['-c', conf];
  const daemons: ChildProcess[] = [];
  const daemon = (name: 'ceph-mon' | 'ceph-osd' | 'radosgw', args: string[]) => {
    const child = spawnDaemon(bin(name), [...c, ...args, '-f']);
    daemons.push(child);
    return child;
  };
  const ceph = (...args: string[]) => run(bin('ceph'), [...c, '--connect-timeout', '10', ...args], left());

  try {
    const keyring = join(dir, 'keyring');
    await run(bin('ceph-authtool'), [
      '--create-keyring',
      keyring,
      '--gen-key',
      '-n',
      'mon.',
      '--cap',
      'mon',
      'allow *',
    ]);
    await run(bin('ceph-authtool'), [
      keyring,
      '--gen-key',
      '-n',
      'client.admin',
      '--cap',
      'mon',
      'allow *',
      '--cap',
      'osd',
      'allow *',
    ]);
    const monmap = join(dir, 'monmap');
    await run(bin('monmaptool'), [
      '--create',
      '--addv',
      'a',
      `[v1:127.0.0.1:${monPort}]`,
      '--fsid',
      fsid,
      monmap,
    ]);
    await run(bin('ceph-mon'), [...c, '--mkfs', '-i', 'a', '--monmap', monmap, '--keyring', keyring]);
    const mon = daemon('ceph-mon', ['-i', 'a']);
    // Listening is not ready: right after start the mon can refuse commands while its auth
    // database initialises (EPERM "problem getting command descriptions"), so wait for one.
    await waitUntil(
      async () => alive(mon, 'ceph-mon') && (await accepts(monPort)) && (await ceph('mon', 'stat')) !== '',
      { timeoutMs: left(), intervalMs: 200, what: () => `ceph-mon on port ${monPort} to answer commands` },
    );

    const osdUuid = randomUUID();
    const osdId = (await ceph('osd', 'new', osdUuid)).trim();
    mkdirSync(join(dir, `osd.${osdId}`));
    await Promise.all([
      ceph('osd', 'crush', 'add', `osd.${osdId}`, '1.0', 'host=localhost', 'root=default'),
      run(bin('ceph-osd'), [...c, '-i', osdId, '--mkfs', '--osd-uuid', osdUuid], left()),
    ]);
    const osd = daemon('ceph-osd', ['-i', osdId]);
    await waitUntil(async () => alive(osd, 'ceph-osd') && / 1 up/.test(await ceph('osd', 'stat')), {
      timeoutMs: left(),
      intervalMs: 200,
      what: () => 'the OSD to be up',
    });

    const rgw = daemon('radosgw', ['-n', 'client.rgw.a']);
    await waitUntil(async () => alive(rgw, 'radosgw') && (await answersHttp(rgwPort)), {
      timeoutMs: left(),
      intervalMs: 200,
      what: () => `radosgw on port ${rgwPort}`,
    });
    const credentials = {
      accessKeyId: `EARSHOT${randomBytes(6).toString('hex').toUpperCase()}`,
      secretAccessKey: randomBytes(24).toString('hex'),
    };
    await run(
      bin('radosgw-admin'),
      [
        ...c,
        'user',
        'create',
        '--uid=earshot',
        '--display-name=earshot',
        `--access-key=${credentials.accessKeyId}`,
        `--secret-key=${credentials.secretAccessKey}`,
      ],
      left(),
    );

    const endpoint = `http://127.0.0.1:${rgwPort}`;
    let stopped: Promise<void> | undefined;
    return {
      endpoint,
      clientConfig: { endpoint, region: 'us-east-1', forcePathStyle: true, credentials },
      pids: { mon: mon.pid ?? -1, osd: osd.pid ?? -1, rgw: rgw.pid ?? -1 },
      dir,
      startupMs: Date.now() - started,
      stop() {
        stopped ??= shutDown(daemons, dir);
        return stopped;
      },
    };
  } catch (error) {
    const logs = logTails(dir);
    await shutDown(daemons, dir);
    throw new Error(`startCephRgw: ${(error as Error).message}${logs}`, { cause: error });
  }

  function alive(child: ChildProcess, name: string): boolean {
    if (!isRunning(child))
      throw new Error(`${name} exited (code ${child.exitCode}, signal ${child.signalCode})`);
    return true;
  }
}

async function shutDown(daemons: readonly ChildProcess[], dir: string): Promise<void> {
  await Promise.all([...daemons].reverse().map((child) => stopDaemon(child, 'SIGKILL')));
  releaseScratchDir(dir);
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1_000, () => done(false));
    socket.once('error', () => done(false));
    socket.once('connect', () => done(true));
  });
}

/** Any HTTP answer at all (an anonymous `GET /` is a 200 bucket list on RGW). */
function answersHttp(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port, path: '/', method: 'GET', timeout: 1_000 }, (res) => {
      res.resume();
      resolve(true);
    });
    req.once('timeout', () => req.destroy());
    req.once('error', () => resolve(false));
    req.end();
  });
}

/** The last lines of every daemon log, for a failed start's error message. */
function logTails(dir: string): string {
  let out = '';
  for (const name of ['mon.a', 'osd.0', 'client.rgw.a']) {
    try {
      const lines = readFileSync(join(dir, 'log', `${name}.log`), 'utf8')
        .trimEnd()
        .split('\n');
      out += `\n--- ${name} log ---\n${lines.slice(-8).join('\n')}`;
    } catch {
      // no log written
    }
  }
  return out;
}
