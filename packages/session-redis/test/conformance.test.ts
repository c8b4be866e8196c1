import { sessionServiceConformance } from '@earshot/testing/conformance';
import { useRedis } from './support.js';

const { service } = useRedis();

// Each check gets a fresh random key prefix on the shared server: an empty, isolated store.
sessionServiceConformance('RedisSessionService', async () => service());
sessionServiceConformance('RedisSessionService with ttlSeconds', async () => service({ ttlSeconds: 3600 }));
