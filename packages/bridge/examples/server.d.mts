import type { Server } from 'node:http';
import type { LiveBridge } from '@earshot/bridge';
import type { RunConfig } from '@earshot/core';
import type { RunnerOptions } from '@earshot/runner';

export interface ExampleOptions {
  port?: number;
  host?: string;
  token?: string;
  apiKey?: string;
  baseUrl?: string;
  model?: string;
  clientModule?: string;
  runnerOptions?: Partial<RunnerOptions>;
  runConfig?: Partial<RunConfig>;
}

export interface Example {
  url: string;
  server: Server;
  bridge: LiveBridge;
  close(): Promise<void>;
}

export function startExample(options?: ExampleOptions): Promise<Example>;
