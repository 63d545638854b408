import { readFile } from 'node:fs/promises';
import type { PushConfig } from '@varsel/shared';
import { ConfigError, type Config } from '../config.js';
import type { Logger } from '../log.js';
import type { PushSender } from './channel.js';

export interface PushSetup {
  /** What agents are told (push:config): the channels a device may register on. */
  config: PushConfig;
  /** A worker's senders, one per configured channel; empty on an edge and when push is off. */
  senders: PushSender[];
  /** Delay of the wake-up after a fan-out; undefined when no channel is configured. */
  afterMs: number | undefined;
  /** Retries of a wake-up that failed for a reason worth retrying (PUSH_RETRIES, PUSH_RETRY_AFTER_MS). */
  retry: { max: number; afterMs: number };
  close(): Promise<void>;
}

/** The fields firebase-admin's cert() needs from a service account key file. */
const SERVICE_ACCOUNT_FIELDS = ['project_id', 'private_key', 'client_email'] as const;

async function readServiceAccount(file: string): Promise<Record<string, unknown>> {
  let json: unknown;
  try {
    json = JSON.parse(await readFile(file, 'utf8'));
  } catch (err) {
    throw new ConfigError([`FCM_SERVICE_ACCOUNT_FILE: cannot read ${file} as JSON: ${(err as Error).message}`]);
  }
  const missing = SERVICE_ACCOUNT_FIELDS.filter((f) => typeof (json as Record<string, unknown> | null)?.[f] !== 'string');
  if (missing.length > 0) throw new ConfigError([`FCM_SERVICE_ACCOUNT_FILE: ${file} is not a service account key (missing ${missing.join(', ')})`]);
  return json as Record<string, unknown>;
}

/**
 * The push channels of a process, from its configuration. Files named in the configuration are
 * read here (a ConfigError names what is wrong); only a worker makes senders, and only a worker
 * with FCM configured loads firebase-admin.
 */
export async function setupPush(config: Config, opts: { worker: boolean; log: Logger }): Promise<PushSetup> {
  const vapid =
    config.VAPID_PUBLIC_KEY && config.VAPID_PRIVATE_KEY && config.VAPID_SUBJECT
      ? { publicKey: config.VAPID_PUBLIC_KEY, privateKey: config.VAPID_PRIVATE_KEY, subject: config.VAPID_SUBJECT }
      : undefined;
  const fcmFile = config.FCM_SERVICE_ACCOUNT_FILE;
  const serviceAccount = fcmFile ? await readServiceAccount(fcmFile) : undefined;
  let ca: string | undefined;
  if (config.PUSH_CA_FILE) {
    try {
      ca = await readFile(config.PUSH_CA_FILE, 'utf8');
    } catch (err) {
      throw new ConfigError([`PUSH_CA_FILE: cannot read ${config.PUSH_CA_FILE}: ${(err as Error).message}`]);
    }
    if (!ca.includes('-----BEGIN CERTIFICATE-----')) throw new ConfigError([`PUSH_CA_FILE: ${config.PUSH_CA_FILE} holds no PEM certificate`]);
  }

  const senders: PushSender[] = [];
  if (opts.worker) {
    const log = opts.log;
    if (vapid) {
      // Loaded only here: an edge, or a worker without Web Push, never evaluates web-push.
      const { WebPushChannel } = await import('./web-push-channel.js');
      senders.push(
        new WebPushChannel(vapid, {
          concurrency: config.PUSH_CONCURRENCY,
          timeoutMs: config.PUSH_TIMEOUT_MS,
          ca,
          onError: (err, origin) => log.warn({ err, origin }, 'a Web Push service refused a push'),
        }),
      );
    }
    if (serviceAccount) {
      const { fcmChannelFromServiceAccount } = await import('./fcm-channel.js');
      senders.push(await fcmChannelFromServiceAccount(serviceAccount, (err) => log.warn({ err }, 'FCM refused a push')));
    }
  }
  return {
    config: { webpush: vapid ? { publicKey: vapid.publicKey } : null, fcm: fcmFile !== undefined },
    senders,
    afterMs: vapid || fcmFile ? config.PUSH_AFTER_MS : undefined,
    retry: { max: config.PUSH_RETRIES, afterMs: config.PUSH_RETRY_AFTER_MS },
    async close() {
      await Promise.all(senders.map((s) => s.close()));
    },
  };
}
