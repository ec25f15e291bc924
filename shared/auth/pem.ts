import { createPrivateKey, X509Certificate, type KeyObject } from 'node:crypto';

/**
 * The one reader of an app certificate given as PEM (private key and certificate in one text, as
 * Key Vault exports it with content type application/x-pem-file): the key as PKCS#8 (what msal's
 * JWT signer takes), the certificate, and its thumbprints as hex without colons (upper case, as
 * Node gives them). A PEM that cannot be used says which part is wrong; callers word the fix.
 */
export interface CertificateAndKey {
  privateKeyPem: string;
  certificatePem: string;
  thumbprintSha256: string;
  thumbprintSha1: string;
  /** 'rsa', 'rsa-pss', 'ec'...: Entra ID certificate credentials need RSA. */
  keyType: string | undefined;
}

export type PemFault = 'key-unreadable' | 'certificate-unreadable' | 'key-mismatch';

export function readCertificatePem(
  pem: string,
): { ok: true; value: CertificateAndKey } | { ok: false; fault: PemFault } {
  let key: KeyObject;
  let cert: X509Certificate;
  try {
    key = createPrivateKey(pem);
  } catch {
    return { ok: false, fault: 'key-unreadable' };
  }
  try {
    cert = new X509Certificate(pem);
  } catch {
    return { ok: false, fault: 'certificate-unreadable' };
  }
  if (!cert.checkPrivateKey(key)) return { ok: false, fault: 'key-mismatch' };
  return {
    ok: true,
    value: {
      privateKeyPem: key.export({ format: 'pem', type: 'pkcs8' }).toString(),
      certificatePem: cert.toString(),
      thumbprintSha256: cert.fingerprint256.replace(/:/g, ''),
      thumbprintSha1: cert.fingerprint.replace(/:/g, ''),
      keyType: key.asymmetricKeyType,
    },
  };
}
