import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { delimiter, join } from 'node:path';

/**
 * The small process toolkit the Ceph starter needs: run a command to completion, keep
 * daemons it started in a registry (SIGKILLed if Node exits with them still running, their
 * scratch dirs removed), find binaries.
 */

const live = new Set<ChildProcess>();
const scratchDirs = new Set<string>();
let exitHookInstalled = false;

/** A temp dir removed when Node exits, unless `releaseScratchDir` removed it first. */
export function trackScratchDir(dir: string): void {
  installExitHook();
  scratchDirs.add(dir);
}

export function releaseScratchDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
  scratchDirs.delete(dir);
}

export function run(bin: string, args: string[], timeoutMs = 30_000): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(bin, args, { timeout: timeoutMs, maxBuffer: 4 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`${bin} ${args.join(' ')} failed: ${stderr.trim() || error.message}`));
      else resolve(stdout);
    });
  });
}

/** Starts a daemon in the foreground of its own process (logs go to its log file, not here). */
export function spawnDaemon(bin: string, args: string[]): ChildProcess {
  installExitHook();
  const child = spawn(bin, args, { stdio: 'ignore' });
  live.add(child);
  child.once('exit', () => live.delete(child));
  child.once('error', () => live.delete(child));
  return child;
}

export function isRunning(child: ChildProcess): boolean {
  return child.pid !== undefined && child.exitCode === null && child.signalCode === null;
}

/** Sends `signal` and waits for the exit; SIGKILL after `graceMs`. */
export async function stopDaemon(
  child: ChildProcess,
  signal: NodeJS.Signals,
  graceMs = 5_000,
): Promise<void> {
  if (!isRunning(child)) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill(signal);
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}

/** The path of each binary found on `PATH` (or in `dir`), and the names that were not found. */
export function findBinaries(
  names: readonly string[],
  dir?: string,
): { found: Map<string, string>; missing: string[] } {
  const dirs = dir !== undefined ? [dir] : (process.env.PATH ?? '').split(delimiter).filter(Boolean);
  const found = new Map<string, string>();
  const missing: string[] = [];
  for (const name of names) {
    const path = dirs.map((d) => join(d, name)).find((candidate) => existsSync(candidate));
    if (path === undefined) missing.push(name);
    else found.set(name, path);
  }
  return { found, missing };
}

/** Polls `check` until it returns true; throws `describe()` after `timeoutMs`. */
export async function waitUntil(
  check: () => Promise<boolean>,
  { timeoutMs, intervalMs = 100, what }: { timeoutMs: number; intervalMs?: number; what: () => string },
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what()}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const child of live) child.kill('SIGKILL');
    for (const dir of scratchDirs) rmSync(dir, { recursive: true, force: true });
  });
}
