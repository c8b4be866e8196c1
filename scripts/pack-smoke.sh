#!/usr/bin/env bash
# Packs @earshot/core and @earshot/testing as a publisher would, installs the tarballs into an
# empty project outside the workspace, and checks that both `import` and `require` work, with
# types, and that a third party can run the conformance suite from the packed testing kit.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

for pkg in core testing; do
  (cd "$root/packages/$pkg" && pnpm pack --pack-destination "$work" >/dev/null)
done
core_tgz="$(ls "$work"/earshot-core-*.tgz)"
testing_tgz="$(ls "$work"/earshot-testing-*.tgz)"

mkdir "$work/consumer" && cd "$work/consumer"
cat > package.json <<JSON
{
  "name": "earshot-pack-smoke",
  "private": true,
  "type": "module",
  "dependencies": {
    "@earshot/core": "file:$core_tgz",
    "@earshot/testing": "file:$testing_tgz",
    "@google/genai": "2.32.0",
    "vitest": "4.1.12",
    "typescript": "5.9.3",
    "@types/node": "20.19.43"
  },
  "overrides": { "@earshot/core": "file:$core_tgz" }
}
JSON
npm install --no-audit --no-fund --loglevel=error >/dev/null

node --input-type=module -e "
import { InMemorySessionService, classifyLiveEvent, createEvent } from '@earshot/core';
import { FakeLiveServer } from '@earshot/testing';
const s = new InMemorySessionService();
await s.createSession({ appName: 'a', userId: 'u', sessionId: 's' });
const rule = classifyLiveEvent(createEvent({ author: 'x', turnComplete: true }), { saveLiveAudio: false }).rule;
if (rule !== 'control' || typeof FakeLiveServer !== 'function') throw new Error('ESM import broken');
console.log('ESM import ok');
"
node -e "
const { InMemoryArtifactService, InvalidArgumentError } = require('@earshot/core');
const { FakeLiveServer } = require('@earshot/testing');
const a = new InMemoryArtifactService();
a.saveArtifact({ appName: 'a', userId: 'u', sessionId: 's', filename: '../x', artifact: { text: 't' } })
  .then(() => { throw new Error('expected a rejection'); })
  .catch((e) => { if (!(e instanceof InvalidArgumentError) || typeof FakeLiveServer !== 'function') throw e; console.log('CJS require ok'); });
"

# The core README's example runs as written against the packed package.
sed -n '/^```js$/,/^```$/p' "$root/packages/core/README.md" | sed '1d;$d' > readme-example.mjs
node readme-example.mjs > readme-example.out
grep -q "^true sessionId$" readme-example.out
echo 'core README example ok'

# Types resolve for both module systems.
cat > check.mts <<'TS'
import { type Event, type SessionService, createEvent } from '@earshot/core';
import { sessionServiceConformance } from '@earshot/testing/conformance';
import { FakeLiveServer, type FakeLiveConnection } from '@earshot/testing';
const e: Event = createEvent({ author: 'x' });
export const used: [Event, typeof sessionServiceConformance, SessionService | undefined, typeof FakeLiveServer, FakeLiveConnection | undefined] = [e, sessionServiceConformance, undefined, FakeLiveServer, undefined];
TS
cat > check.cts <<'TS'
import core = require('@earshot/core');
export const id: string = core.createEvent({ author: 'x' }).id;
TS
npx tsc --noEmit --strict --module nodenext --moduleResolution nodenext --skipLibCheck false --types node check.mts check.cts
echo 'types ok (ESM + CJS)'

# A third party runs the packed conformance suite against an adapter of its own.
cat > adapter.test.ts <<'TS'
import { InMemoryArtifactService, InMemorySessionService } from '@earshot/core';
import { artifactServiceConformance, sessionServiceConformance } from '@earshot/testing/conformance';
sessionServiceConformance('packed in-memory sessions', () => new InMemorySessionService());
artifactServiceConformance('packed in-memory artifacts', () => new InMemoryArtifactService());
TS
npx vitest run --reporter=dot adapter.test.ts 2>&1 | tail -4
