/**
 * The checkpoint signing key: an Ed25519 private key in a PEM file (AUDIT_SIGNING_KEY_FILE),
 * created with mode 0600 at first start when missing and never stored in the database. Its
 * public half is written beside it (`<file>.pub`) so `audit verify` can find it; an auditor
 * pins a copy kept elsewhere with `--public-key`.
 */
import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { chmodSync, existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { thrownCode } from '../domain/errors.js';
import { ensurePrivateDirectory } from '../files/private-directory.js';

export function publicKeyFileFor(keyFile: string): string {
  return `${keyFile}.pub`;
}

/** Loads the key, creating it (0600, and its .pub) when the file does not exist yet. */
export function loadOrCreateSigningKey(keyFile: string): { privateKey: KeyObject; created: boolean } {
  if (!existsSync(keyFile)) {
    ensurePrivateDirectory(dirname(keyFile));
    const { privateKey } = generateKeyPairSync('ed25519');
    const pem = privateKey.export({ type: 'pkcs8', format: 'pem' });
    // 'wx': never overwrite a key another process created a moment ago.
    try {
      writeFileSync(keyFile, pem, { mode: 0o600, flag: 'wx' });
      chmodSync(keyFile, 0o600);
      writePublicKey(keyFile, privateKey);
      return { privateKey, created: true };
    } catch (error) {
      if (thrownCode(error) !== 'EEXIST') throw error;
    }
  }
  const privateKey = loadSigningKey(keyFile);
  if (!existsSync(publicKeyFileFor(keyFile))) writePublicKey(keyFile, privateKey);
  return { privateKey, created: false };
}

function loadSigningKey(keyFile: string): KeyObject {
  const mode = statSync(keyFile).mode & 0o077;
  if (mode !== 0 && process.platform !== 'win32')
    throw new Error(`${keyFile} is readable by others (mode ${(statSync(keyFile).mode & 0o777).toString(8)}); chmod 600 it`);
  const key = createPrivateKey(readFileSync(keyFile));
  if (key.asymmetricKeyType !== 'ed25519') throw new Error(`${keyFile} is not an Ed25519 private key`);
  return key;
}

function writePublicKey(keyFile: string, privateKey: KeyObject): void {
  writeFileSync(publicKeyFileFor(keyFile), createPublicKey(privateKey).export({ type: 'spki', format: 'pem' }), { mode: 0o644 });
}

/** Reads a pinned public key (PEM SPKI). */
export function loadPublicKey(file: string): KeyObject {
  const key = createPublicKey(readFileSync(file));
  if (key.asymmetricKeyType !== 'ed25519') throw new Error(`${file} is not an Ed25519 public key`);
  return key;
}
