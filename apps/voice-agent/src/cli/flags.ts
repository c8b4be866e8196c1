import { parseArgs } from 'node:util';
import { validateId } from '@earshot/core';
import type { S3Options, StackOptions } from '../stack.js';
import { CliError } from './cli-error.js';
import type { OtelMode } from './otel.js';

export interface DemoFlags {
  turns: number;
  outDir: string;
  realtime: boolean;
  sessionId: string | undefined;
}

export interface ServeFlags {
  port: number;
  host: string;
  token: string | undefined;
}

export type CliCommand =
  | { command: 'help' }
  | { command: 'version' }
  | { command: 'demo'; stack: StackOptions; demo: DemoFlags; otel: OtelMode | undefined }
  | { command: 'serve'; stack: StackOptions; serve: ServeFlags; otel: OtelMode | undefined };

export const MAX_DEMO_TURNS = 100;

const OPTIONS = {
  turns: { type: 'string' },
  session: { type: 'string' },
  out: { type: 'string' },
  realtime: { type: 'boolean' },
  port: { type: 'string' },
  host: { type: 'string' },
  token: { type: 'string' },
  model: { type: 'string' },
  otel: { type: 'string' },
  'redis-url': { type: 'string' },
  's3-bucket': { type: 'string' },
  's3-endpoint': { type: 'string' },
  's3-region': { type: 'string' },
  's3-access-key': { type: 'string' },
  's3-secret-key': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean', short: 'v' },
} as const;

const ONLY_FOR: Record<string, 'demo' | 'serve'> = {
  turns: 'demo',
  session: 'demo',
  out: 'demo',
  realtime: 'demo',
  port: 'serve',
  host: 'serve',
  token: 'serve',
};

const usage = (message: string) => new CliError('usage', `${message} (see --help)`);

/** Parses and validates the whole command line; any problem is a one-line `CliError('usage')`. */
export function parseCommandLine(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): CliCommand {
  let parsed: ReturnType<
    typeof parseArgs<{ args: string[]; options: typeof OPTIONS; allowPositionals: true }>
  >;
  try {
    parsed = parseArgs({ args: [...argv], options: OPTIONS, allowPositionals: true, strict: true });
  } catch (error) {
    throw usage(describeParseError(error));
  }
  const { values, positionals } = parsed;
  if (values.help) return { command: 'help' };
  if (values.version) return { command: 'version' };
  const command = positionals[0] ?? 'demo';
  if (command !== 'demo' && command !== 'serve') throw usage(`unknown command "${command}"`);
  if (positionals.length > 1) throw usage(`unexpected argument "${positionals[1]}"`);
  for (const [name, only] of Object.entries(ONLY_FOR)) {
    if (values[name as keyof typeof values] !== undefined && only !== command) {
      throw usage(`--${name} applies to "${only}" only`);
    }
  }
  const stack: StackOptions = {
    apiKey: env.GEMINI_API_KEY || undefined,
    model: values.model === undefined ? undefined : nonEmpty('--model', values.model),
    redisUrl: values['redis-url'] === undefined ? undefined : redisUrl(values['redis-url']),
    s3: s3Options(values, env),
  };
  const otel = values.otel === undefined ? undefined : otelMode(values.otel);
  if (command === 'demo') {
    return {
      command,
      stack,
      otel,
      demo: {
        turns: values.turns === undefined ? 2 : integer('--turns', values.turns, 1, MAX_DEMO_TURNS),
        outDir: values.out === undefined ? 'recordings' : nonEmpty('--out', values.out),
        realtime: values.realtime === true,
        sessionId: values.session === undefined ? undefined : id('--session', values.session),
      },
    };
  }
  return {
    command,
    stack,
    otel,
    serve: {
      port: values.port === undefined ? 8080 : integer('--port', values.port, 0, 65_535),
      host: values.host === undefined ? '127.0.0.1' : host(values.host),
      token: values.token === undefined ? undefined : token(values.token),
    },
  };
}

function describeParseError(error: unknown): string {
  const e = error as { code?: string; message?: string };
  const option = /'(-[^' ]+)/.exec(e.message ?? '')?.[1];
  if (e.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') return `unknown option ${option}`;
  if (e.code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') {
    return /argument missing/.test(e.message ?? '') ? `${option} needs a value` : `${option} takes no value`;
  }
  return (e.message ?? String(error)).split('\n')[0] ?? 'bad command line';
}

function otelMode(value: string): OtelMode {
  if (value !== 'console' && value !== 'otlp') throw usage(`--otel must be console or otlp, got "${value}"`);
  return value;
}

function nonEmpty(flag: string, value: string): string {
  if (value.trim() === '') throw usage(`${flag} must not be empty`);
  return value;
}

function integer(flag: string, value: string, min: number, max: number): number {
  if (!/^\d+$/.test(value) || Number(value) < min || Number(value) > max) {
    throw usage(`${flag} must be a whole number from ${min} to ${max}, got "${value}"`);
  }
  return Number(value);
}

function id(flag: string, value: string): string {
  try {
    return validateId(flag, value);
  } catch (error) {
    throw usage(`${flag}: ${(error as Error).message}`);
  }
}

function url(flag: string, value: string, protocols: readonly string[]): URL {
  let parsed: URL;
  try {
    parsed = new URL(value);
  } catch {
    throw usage(`${flag} must be a URL, got "${value}"`);
  }
  if (!protocols.includes(parsed.protocol)) {
    throw usage(`${flag} must start with ${protocols.map((p) => `${p}//`).join(' or ')}, got "${value}"`);
  }
  return parsed;
}

function redisUrl(value: string): string {
  url('--redis-url', value, ['redis:', 'rediss:']);
  return value;
}

function host(value: string): string {
  if (!/^[A-Za-z0-9.:[\]-]+$/.test(value))
    throw usage(`--host must be a host name or IP address, got "${value}"`);
  return value;
}

function token(value: string): string {
  if (!/^[A-Za-z0-9_-]{8,128}$/.test(value)) {
    throw usage('--token must be 8 to 128 characters of A-Z, a-z, 0-9, "-" or "_"');
  }
  return value;
}

type ParsedValues = {
  [K in keyof typeof OPTIONS]?: (typeof OPTIONS)[K]['type'] extends 'boolean' ? boolean : string;
};

function s3Options(values: ParsedValues, env: NodeJS.ProcessEnv): S3Options | undefined {
  const bucket = values['s3-bucket'];
  const related = ['s3-endpoint', 's3-region', 's3-access-key', 's3-secret-key'] as const;
  if (bucket === undefined) {
    const stray = related.find((name) => values[name] !== undefined);
    if (stray) throw usage(`--${stray} needs --s3-bucket`);
    return undefined;
  }
  // S3 bucket naming rules: 3–63 of lowercase letters, digits, dots and hyphens.
  if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(bucket)) {
    throw usage(`--s3-bucket "${bucket}" is not a valid bucket name (3-63 of a-z, 0-9, ".", "-")`);
  }
  const endpoint =
    values['s3-endpoint'] === undefined
      ? undefined
      : url('--s3-endpoint', values['s3-endpoint'], ['http:', 'https:']).href;
  // An empty variable counts as unset.
  const accessKeyId = values['s3-access-key'] ?? (env.AWS_ACCESS_KEY_ID || undefined);
  const secretAccessKey = values['s3-secret-key'] ?? (env.AWS_SECRET_ACCESS_KEY || undefined);
  if ((accessKeyId === undefined) !== (secretAccessKey === undefined)) {
    throw usage(
      'S3 credentials need both --s3-access-key and --s3-secret-key (or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY)',
    );
  }
  if (endpoint && accessKeyId === undefined && !env.AWS_PROFILE) {
    throw usage(
      '--s3-endpoint needs credentials: --s3-access-key and --s3-secret-key (or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY)',
    );
  }
  const region =
    values['s3-region'] ?? (env.AWS_REGION || env.AWS_DEFAULT_REGION || (endpoint ? 'us-east-1' : undefined));
  if (region === undefined) throw usage('--s3-bucket on AWS needs --s3-region (or AWS_REGION)');
  return {
    bucket,
    endpoint,
    region: nonEmpty('--s3-region', region),
    credentials:
      accessKeyId !== undefined && secretAccessKey !== undefined
        ? { accessKeyId, secretAccessKey }
        : undefined,
  };
}
