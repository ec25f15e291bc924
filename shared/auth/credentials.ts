import { createPrivateKey } from 'node:crypto';
import { z } from 'zod';
import { CodedError } from '../domain/errors';
import { readCertificatePem, type CertificateAndKey, type PemFault } from './pem';

/**
 * The app registration's credential. A certificate (private key + certificate, PEM) is preferred:
 * it never travels, only a signed assertion does. A client secret is the fallback.
 */
export type AppCredential =
  | { kind: 'certificate'; pem: string }
  | { kind: 'certificate'; privateKeyPem: string; thumbprintSha256: string; certificatePem?: string }
  | { kind: 'secret'; secret: string };

/** What msal's `clientCertificate` option needs. */
export interface CertificateForMsal {
  privateKey: string;
  thumbprintSha256: string;
  /** The public certificate, sent as x5c (subject name + issuer authentication). */
  x5c?: string;
}

const hexThumbprint = z
  .string()
  .transform((s) => s.replace(/[:\s]/g, '').toUpperCase())
  .pipe(z.string().regex(/^[0-9A-F]{64}$/));

function badCertificate(fix: string): CodedError {
  return new CodedError('AUTH_CERTIFICATE_INVALID', `The app certificate cannot be used: ${fix}`, {
    field: 'M365_CERTIFICATE_PEM',
  });
}

const PEM_FIXES: Record<PemFault, string> = {
  'key-unreadable':
    'the private key could not be read (it must be an unencrypted PEM private key). Export the certificate with its key as PEM without a passphrase.',
  'certificate-unreadable': 'the PEM holds no valid X.509 certificate block; include the certificate.',
  'key-mismatch': 'the private key does not belong to the certificate in the same PEM.',
};

function assertRsa(keyType: string | undefined): void {
  if (keyType !== 'rsa' && keyType !== 'rsa-pss')
    throw badCertificate('Entra ID certificate credentials need an RSA key; this key is not RSA.');
}

/** A PKCS#8 PEM of the private key, as msal's JWT signer expects. */
function pkcs8(privateKeyPem: string): string {
  try {
    const key = createPrivateKey(privateKeyPem);
    assertRsa(key.asymmetricKeyType);
    return key.export({ format: 'pem', type: 'pkcs8' }).toString();
  } catch (e) {
    if (e instanceof CodedError) throw e;
    throw badCertificate(PEM_FIXES['key-unreadable']);
  }
}

/** A certificate given as one PEM (key and certificate), checked for use with Entra ID: AUTH_CERTIFICATE_INVALID otherwise. */
export function certificateFromPem(pem: string): CertificateAndKey {
  const read = readCertificatePem(pem);
  if (!read.ok) throw badCertificate(PEM_FIXES[read.fault]);
  assertRsa(read.value.keyType);
  return read.value;
}

/** Certificate credential in msal's shape; thumbprint computed from the certificate when given. */
export function certificateForMsal(
  credential: Extract<AppCredential, { kind: 'certificate' }>,
): CertificateForMsal {
  if ('pem' in credential) {
    const cert = certificateFromPem(credential.pem);
    return {
      privateKey: cert.privateKeyPem,
      thumbprintSha256: cert.thumbprintSha256,
      x5c: cert.certificatePem,
    };
  }
  const thumb = hexThumbprint.safeParse(credential.thumbprintSha256);
  if (!thumb.success) {
    throw badCertificate('the thumbprint must be the SHA-256 thumbprint of the certificate, 64 hex digits.');
  }
  return {
    privateKey: pkcs8(credential.privateKeyPem),
    thumbprintSha256: thumb.data,
    ...(credential.certificatePem ? { x5c: credential.certificatePem } : {}),
  };
}
