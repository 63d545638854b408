/**
 * The bare socket.io server of scenario b: what a user could build instead of Varsel, with the
 * same transport and the same scale-out, and nothing else: no authentication, no store, no queue,
 * no replay. It runs as the same number of processes as Varsel, on the same kind of private Redis,
 * with the same @socket.io/redis-streams-adapter and the same socket.io options as Varsel's edges
 * (websocket only, 16 KiB messages, default heartbeat, backlog 4096).
 *
 *   BARE_ROLE=edge    PORT=… REDIS_URL=… node load-tests/dist/bench/bare-server.js
 *     holds agent sockets: every socket joins the room `agents`; every `alert:report` is confirmed
 *     at once with Varsel's ack shape, so the clients do the same work as against Varsel.
 *   BARE_ROLE=emitter PORT=… REDIS_URL=… node load-tests/dist/bench/bare-server.js
 *     like Varsel's worker: a socket.io server attached to no HTTP server, broadcasting through
 *     the adapter; `POST /trigger` emits one `alert:created` (an AgentAlert of the size Varsel
 *     sends) to the room `agents` and answers `{ id }`.
 *
 * Prints `{"msg":"listening"}` when ready; stops on SIGTERM/SIGINT, and when its parent is gone.
 */
import http from 'node:http';
import { Redis } from 'ioredis';
import { Server } from 'socket.io';
import { createAdapter } from '@socket.io/redis-streams-adapter';
import { benchAgentAlert } from './bench-alert.js';

const BARE_STREAM = 'bare-sio';

function main(): void {
  const role = process.env.BARE_ROLE;
  const port = Number(process.env.PORT);
  const redisUrl = process.env.REDIS_URL;
  if ((role !== 'edge' && role !== 'emitter') || !Number.isInteger(port) || !redisUrl) {
    process.stderr.write('bare-server: set BARE_ROLE=edge|emitter, PORT and REDIS_URL\n');
    process.exit(2);
  }
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: null });
  redis.on('error', (err: Error) => process.stderr.write(`bare-server: redis: ${err.message}\n`));
  const io = new Server({
    transports: ['websocket'],
    maxHttpBufferSize: 16_384,
    serveClient: false,
    adapter: createAdapter(redis, { streamName: BARE_STREAM, maxLen: 100_000 }),
  });

  let seq = 0;
  const httpServer = http.createServer((req, res) => {
    if (role === 'emitter' && req.method === 'POST' && req.url === '/trigger') {
      const alert = benchAgentAlert(++seq);
      io.to('agents').emit('alert:created', alert);
      res.writeHead(201, { 'content-type': 'application/json' }).end(JSON.stringify({ id: alert.id }));
      return;
    }
    if (req.method === 'GET' && req.url === '/healthz') {
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
      return;
    }
    res.writeHead(404).end();
  });

  if (role === 'edge') {
    io.attach(httpServer);
    io.on('connection', (socket) => {
      void socket.join('agents');
      socket.on('alert:report', (_report: unknown, ack: unknown) => {
        if (typeof ack === 'function') (ack as (r: unknown) => void)({ ok: true, data: { recorded: true } });
      });
    });
  }

  // 4096: as Varsel's edges, room for a reconnect storm (Node's default backlog is 511).
  httpServer.listen({ port, host: '127.0.0.1', backlog: 4096 }, () => {
    process.stdout.write(`${JSON.stringify({ msg: 'listening', role, port })}\n`);
  });

  const ppid = process.ppid;
  const stop = (): void => {
    clearInterval(watchdog);
    void io.close(() => {
      redis.disconnect();
      process.exit(0);
    });
    setTimeout(() => process.exit(0), 5000).unref();
  };
  // The benchmark is gone (re-parented): stop rather than keep a port and a Redis connection.
  const watchdog = setInterval(() => {
    if (process.ppid !== ppid) stop();
  }, 1000);
  watchdog.unref();
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

main();
