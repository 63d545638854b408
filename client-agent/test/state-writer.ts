/**
 * Child process of the crash test in file-state-store.test.ts: saves ever-newer states into the
 * directory given as argv[2] until it is killed. Prints "ready" after the first save.
 */
import { randomUUID } from 'node:crypto';
import { FileStateStore } from '../src/node/file-state-store.js';
import { stateFixture } from './fixtures.js';

const dir = process.argv[2];
if (dir === undefined) throw new Error('usage: state-writer DIR');
const store = new FileStateStore(dir);
// 1,000 ids (about 40 KB): large enough that a write is not a single syscall.
const base = stateFixture('http://127.0.0.1:1', { seenAlertIds: Array.from({ length: 1000 }, () => randomUUID()) });
for (let i = 1; ; i++) {
  await store.save({ ...base, hostname: `save-${i}` });
  if (i === 1) process.stdout.write('ready\n');
}
