import { describe, expect, it } from 'vitest';
import { PortPool, ephemeralRange, listeningPorts, portsOutside } from './port-pool.js';

describe('PortPool', () => {
  it('hands out every port once, and a returned port only after every other free one', () => {
    const pool = new PortPool(2000, 2003);
    expect([pool.take(), pool.take(), pool.take()]).toEqual([2000, 2001, 2002]);
    pool.give(2001);
    expect(pool.available).toBe(2);
    expect([pool.take(), pool.take()]).toEqual([2003, 2001]);
    expect(pool.take()).toBeUndefined();
    pool.give(2000);
    pool.give(2002);
    expect([pool.take(), pool.take(), pool.take()]).toEqual([2000, 2002, undefined]);
  });

  it('leaves out the ports something listens on, and refuses a bad range or one port too many', () => {
    const pool = new PortPool(3000, 3004, new Set([3001, 3003]));
    expect([pool.take(), pool.take(), pool.take(), pool.take()]).toEqual([3000, 3002, 3004, undefined]);
    expect(() => new PortPool(10, 5)).toThrow(RangeError);
    expect(() => new PortPool(0, 5)).toThrow(RangeError);
    expect(() => new PortPool(3000, 3000).give(3000)).toThrow(/every port free/);
  });
});

describe('the ports a pool may use', () => {
  it('are the larger side outside the ephemeral range', () => {
    expect(portsOutside([32_768, 60_999])).toEqual([1024, 32_767]);
    expect(portsOutside([1024, 40_000])).toEqual([40_001, 65_535]);
  });

  it('reads the ephemeral range, with Linux defaults when it cannot', () => {
    expect(ephemeralRange(() => '10000\t20000\n')).toEqual([10_000, 20_000]);
    expect(ephemeralRange(() => 'nonsense')).toEqual([32_768, 60_999]);
    expect(
      ephemeralRange(() => {
        throw new Error('ENOENT');
      }),
    ).toEqual([32_768, 60_999]);
  });

  it('finds the listening ports in /proc/net/tcp and tcp6, and only those', () => {
    const tcp = [
      '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode',
      '   0: 0100007F:18EB 00000000:0000 0A 00000000:00000000 00:00000000 00000000   100        0 1 1 0 100 0 0 10 0',
      '   1: 0100007F:9C40 0100007F:18EB 01 00000000:00000000 00:00000000 00000000     0        0 2 1 0 20 4 30 10 -1',
    ].join('\n');
    const tcp6 = [
      '  sl  local_address                         remote_address                        st tx_queue rx_queue',
      '   0: 00000000000000000000000000000000:075B 00000000000000000000000000000000:0000 0A 00000000:00000000',
    ].join('\n');
    const files: Record<string, string> = { '/proc/net/tcp': tcp, '/proc/net/tcp6': tcp6 };
    expect([...listeningPorts((f) => files[f] ?? '')].sort()).toEqual([1883, 6379]);
    expect(
      listeningPorts(() => {
        throw new Error('ENOENT');
      }).size,
    ).toBe(0);
  });
});
