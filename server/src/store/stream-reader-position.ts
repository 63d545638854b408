import type { Redis } from './redis.js';

type XRead = (...args: (string | number)[]) => Promise<[string, [string, string[]][]][] | null>;

/**
 * Makes the socket.io streams adapter's reader gap-free from its first read on.
 *
 * The adapter reads its stream with `XREAD … STREAMS <stream> $` until it has read an entry, and
 * `$` means "what is added after this command". Until an entry arrives (the first seconds of an
 * edge, before any broadcast or heartbeat), a broadcast published while the reader is not
 * blocked in XREAD (Redis restarting, the reader reconnecting with its backoff) is never read:
 * that edge's agents would not get the siren. Here the reader's connection answers `$` with a
 * concrete position instead: the stream's last entry at the first read (or 0-0 for an empty
 * stream), then the last entry it read. A read after a gap resumes from there, as the adapter's
 * own reads do once it has an offset.
 *
 * The adapter makes its connections with `duplicate()` of the client it is given; this wraps
 * `duplicate()` of that client so that each duplicate reads this way. Nothing else changes.
 */
export function withGapFreeStreamReads(redis: Redis): Redis {
  const duplicate = redis.duplicate.bind(redis);
  redis.duplicate = (...args: Parameters<Redis['duplicate']>): Redis => {
    const client = duplicate(...args);
    const xread = client.xread.bind(client) as unknown as XRead;
    const xrevrange = client.xrevrange.bind(client);
    /** Per stream: the last entry read, or where reading started. */
    const positions = new Map<string, string>();
    const gapFree: XRead = async (...a) => {
      const streamsAt = a.findIndex((x) => String(x).toUpperCase() === 'STREAMS');
      // One stream per reader (the adapter's shape): STREAMS <name> <id>.
      if (streamsAt >= 0 && a.length === streamsAt + 3) {
        const stream = String(a[streamsAt + 1]);
        if (a[streamsAt + 2] === '$') {
          let at = positions.get(stream);
          if (at === undefined) {
            const last = await xrevrange(stream, '+', '-', 'COUNT', 1);
            at = last[0]?.[0] ?? '0-0';
            positions.set(stream, at);
          }
          a[streamsAt + 2] = at;
        }
        const res = await xread(...a);
        const entries = res?.[0]?.[1];
        const lastRead = entries?.[entries.length - 1]?.[0];
        if (lastRead) positions.set(stream, lastRead);
        return res;
      }
      return xread(...a);
    };
    (client as unknown as { xread: XRead }).xread = gapFree;
    return client;
  };
  return redis;
}
