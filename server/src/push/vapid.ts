import { createECDH } from 'node:crypto';

export interface VapidKeys {
  /** base64url, uncompressed P-256 point (what browsers subscribe with as `applicationServerKey`). */
  publicKey: string;
  privateKey: string;
  /** `mailto:` or `https:` contact of the sender, as push services ask. */
  subject: string;
}

/**
 * Checks a VAPID key pair and subject as push services will (RFC 8292), without loading web-push
 * (the configuration of every process is checked; only a worker sends). Throws a readable Error.
 */
export function checkVapidKeys(keys: VapidKeys): void {
  let subject: URL;
  try {
    subject = new URL(keys.subject);
  } catch {
    throw new Error(`the subject ${JSON.stringify(keys.subject)} is not a mailto: or https: URL`);
  }
  if (subject.protocol !== 'mailto:' && subject.protocol !== 'https:') throw new Error(`the subject ${JSON.stringify(keys.subject)} is not a mailto: or https: URL`);
  const base64url = /^[A-Za-z0-9_-]+=*$/;
  const pub = Buffer.from(keys.publicKey, 'base64url');
  if (!base64url.test(keys.publicKey) || pub.length !== 65 || pub[0] !== 4) throw new Error('the public key must be 65 bytes (an uncompressed P-256 point), base64url');
  const priv = Buffer.from(keys.privateKey, 'base64url');
  if (!base64url.test(keys.privateKey) || priv.length !== 32) throw new Error('the private key must be 32 bytes, base64url');
  const ecdh = createECDH('prime256v1');
  try {
    ecdh.setPrivateKey(priv);
  } catch {
    throw new Error('the private key is not a P-256 private key');
  }
  if (!ecdh.getPublicKey().equals(pub)) throw new Error('the public key is not the one of the private key');
}
