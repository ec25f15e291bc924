import { X509Certificate, createPrivateKey } from 'node:crypto';
import { z } from 'zod';
import { CodedError } from '../domain/errors';

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

const PRIVATE_KEY_BLOCK =
  /-----BEGIN (?:RSA |EC |ENCRYPTED )?PRIVATE KEY-----[\s\S]+?-----END (?:RSA |EC |ENCRYPTED )?PRIVATE KEY-----/;
const CERTIFICATE_BLOCK = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/;

function badCertificate(fix: string): CodedError {
  return new CodedError('AUTH_CERTIFICATE_INVALID', `The app certificate cannot be used: ${fix}`, {
    field: 'M365_CERTIFICATE_PEM',
  });
}

/** A PKCS#8 PEM of the private key, as msal's JWT signer expects. */
function pkcs8(privateKeyPem: string): string {
  try {
    const key = createPrivateKey(privateKeyPem);
    if (key.asymmetricKeyType !== 'rsa' && key.asymmetricKeyType !== 'rsa-pss') {
      throw badCertificate('Entra ID certificate credentials need an RSA key; this key is not RSA.');
    }
    return key.export({ format: 'pem', type: 'pkcs8' }).toString();
  } catch (e) {
    if (e instanceof CodedError) throw e;
    throw badCertificate(
      'the private key could not be read (it must be an unencrypted PEM private key). Export the certificate with its key as PEM without a passphrase.',
    );
  }
}

/** Certificate credential in msal's shape; thumbprint computed from the certificate when given. */
export function certificateForMsal(
  credential: Extract<AppCredential, { kind: 'certificate' }>,
): CertificateForMsal {
  if ('pem' in credential) {
    const keyBlock = PRIVATE_KEY_BLOCK.exec(credential.pem)?.[0];
    const certBlock = CERTIFICATE_BLOCK.exec(credential.pem)?.[0];
    if (!keyBlock) throw badCertificate('the PEM holds no private key block; include the private key.');
    if (!certBlock) throw badCertificate('the PEM holds no certificate block; include the certificate.');
    let cert: X509Certificate;
    try {
      cert = new X509Certificate(certBlock);
    } catch {
      throw badCertificate('the CERTIFICATE block is not a valid X.509 certificate.');
    }
    const privateKey = pkcs8(keyBlock);
    if (!cert.checkPrivateKey(createPrivateKey(privateKey))) {
      throw badCertificate('the private key does not belong to the certificate in the same PEM.');
    }
    return {
      privateKey,
      thumbprintSha256: cert.fingerprint256.replace(/:/g, ''),
      x5c: certBlock,
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
