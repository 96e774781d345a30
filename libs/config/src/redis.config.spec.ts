import { ConfigError, parseSentinels, redisFromEnv } from '.';

describe('redisFromEnv, REDIS_MODE=sentinel', () => {
  it('reads the Sentinels, the master group (default mymaster) and the WAIT option', () => {
    const c = redisFromEnv({ REDIS_MODE: 'sentinel', REDIS_SENTINELS: '127.0.0.1:26379, 127.0.0.1:26380,[::1]:26381' });
    expect(c.mode).toBe('sentinel');
    expect(c.sentinels).toEqual([
      { host: '127.0.0.1', port: 26379 },
      { host: '127.0.0.1', port: 26380 },
      { host: '::1', port: 26381 },
    ]);
    expect(c.sentinelName).toBe('mymaster');
    expect(c.sentinelWaitReplicas).toBe(0);
    const d = redisFromEnv({ REDIS_MODE: 'sentinel', REDIS_SENTINELS: 'sentinel-0:26379', REDIS_SENTINEL_NAME: 'dept', REDIS_SENTINEL_WAIT_REPLICAS: '1', REDIS_SENTINEL_PASSWORD: 's' });
    expect(d).toMatchObject({ sentinelName: 'dept', sentinelWaitReplicas: 1, sentinelPassword: 's', sentinels: [{ host: 'sentinel-0', port: 26379 }] });
  });

  it('names the wrong variable', () => {
    expect(() => redisFromEnv({ REDIS_MODE: 'sentinel' })).toThrow(ConfigError);
    expect(() => redisFromEnv({ REDIS_MODE: 'sentinel' })).toThrow(/REDIS_SENTINELS/);
    expect(() => redisFromEnv({ REDIS_MODE: 'sentinel', REDIS_SENTINELS: '127.0.0.1' })).toThrow(/REDIS_SENTINELS/);
    expect(() => redisFromEnv({ REDIS_MODE: 'sentinel', REDIS_SENTINELS: '127.0.0.1:99999' })).toThrow(/REDIS_SENTINELS.*99999/s);
    expect(() => redisFromEnv({ REDIS_MODE: 'sentinel', REDIS_SENTINELS: 'a:1', REDIS_SENTINEL_NAME: 'my master' })).toThrow(/REDIS_SENTINEL_NAME/);
    expect(() => redisFromEnv({ REDIS_MODE: 'sentinel', REDIS_SENTINELS: 'a:1', REDIS_SENTINEL_WAIT_REPLICAS: 'x' })).toThrow(/REDIS_SENTINEL_WAIT_REPLICAS/);
    expect(() => redisFromEnv({ REDIS_MODE: 'sentinels' })).toThrow(/REDIS_MODE/);
    // Other modes do not need the Sentinel variables.
    expect(redisFromEnv({ REDIS_MODE: 'single' }).sentinels).toEqual([]);
  });

  it('reads REDIS_SENTINEL_NAT_MAP (announced address = address to connect to)', () => {
    const c = redisFromEnv({ REDIS_MODE: 'sentinel', REDIS_SENTINELS: 'a:1', REDIS_SENTINEL_NAT_MAP: '127.0.0.1:20001=127.0.0.1:21001, 127.0.0.1:20002=127.0.0.1:21002' });
    expect(c.sentinelNatMap).toEqual({ '127.0.0.1:20001': { host: '127.0.0.1', port: 21001 }, '127.0.0.1:20002': { host: '127.0.0.1', port: 21002 } });
    expect(() => redisFromEnv({ REDIS_MODE: 'sentinel', REDIS_SENTINELS: 'a:1', REDIS_SENTINEL_NAT_MAP: '127.0.0.1:1' })).toThrow(/REDIS_SENTINEL_NAT_MAP/);
  });

  it('parses host:port lists', () => {
    expect(parseSentinels(' h1:1 ,h2:2 ')).toEqual([{ host: 'h1', port: 1 }, { host: 'h2', port: 2 }]);
  });
});
