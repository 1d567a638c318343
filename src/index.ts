// Public API of the package.
export type { Clock } from './domain/clock';
export { ManualClock, systemClock } from './domain/clock';
export * from './domain/account';
export type { Store, AccountStore } from './store/types';
export { MemoryStore } from './store/memory/memory-store';
export { RedisStore, type RedisStoreOptions } from './store/redis/redis-store';
export { createBypassToken, verifyBypassToken, BYPASS_HEADER } from './security/bypass';
