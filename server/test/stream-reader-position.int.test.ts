import { Redis } from 'ioredis';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { withGapFreeStreamReads } from '../src/store/stream-reader-position.js';
import { testPrefix } from '../../test-support/varsel.js';

describe("the adapter's stream reader", () => {
  const clients: Redis[] = [];
  afterEach(() => {
    for (const c of clients.splice(0)) c.disconnect();
  });
  const client = (): Redis => {
    const c = new Redis(inject('redisUrl'));
    clients.push(c);
    return c;
  };
  type Entries = [string, [string, string[]][]][] | null;

  it('reads what was published while it was not reading, where "$" would skip it', async () => {
    const stream = `${testPrefix()}:sio`;
    const publisher = client();
    await publisher.xadd(stream, '*', 'before', '1');
    const reader = withGapFreeStreamReads(client()).duplicate();
    clients.push(reader);
    const read = (): Promise<Entries> => reader.xread('COUNT', 100, 'BLOCK', 50, 'STREAMS', stream, '$');

    // The first read starts at the stream's end, as "$" does: nothing yet.
    expect(await read()).toBeNull();
    // Published while no read is waiting (the reader reconnecting, say).
    const missedId = await publisher.xadd(stream, '*', 'during', '2');
    const res = await read();
    expect(res?.[0]?.[1].map(([id, fields]) => [id, fields])).toEqual([[missedId, ['during', '2']]]);
    // Plain Redis would have skipped it:
    const plain = client();
    await publisher.xadd(stream, '*', 'later', '3');
    expect(await plain.xread('BLOCK', 50, 'STREAMS', stream, '$')).toBeNull();
    // and the wrapped reader goes on from where it was.
    expect((await read())?.[0]?.[1].map(([, f]) => f[0])).toEqual(['later']);
  });

  it('starts at 0-0 on an empty stream, and leaves reads with a concrete id alone', async () => {
    const stream = `${testPrefix()}:sio`;
    const reader = withGapFreeStreamReads(client()).duplicate();
    clients.push(reader);
    expect(await reader.xread('BLOCK', 50, 'STREAMS', stream, '$')).toBeNull();
    const id = await client().xadd(stream, '*', 'first', '1');
    expect((await reader.xread('BLOCK', 50, 'STREAMS', stream, '$'))?.[0]?.[1][0]?.[0]).toBe(id);
    expect(await reader.xread('BLOCK', 50, 'STREAMS', stream, id!)).toBeNull();
  });
});
