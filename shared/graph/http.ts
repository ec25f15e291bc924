/** The mailbox a `/users/{id}/...` path addresses (its budget key), lower-cased. */
export function mailboxOfPath(path: string): string | undefined {
  const m = /^\/?users\/([^/?]+)\//i.exec(path);
  return m ? decodeURIComponent(m[1]!).toLowerCase() : undefined;
}

/** The JSON body of an answer; a body that is not JSON becomes a coded Graph error body. */
export async function readJson(res: Response): Promise<unknown> {
  const text = await res.text();
  if (!text) return null;
  try {
    return JSON.parse(text);
  } catch {
    return { error: { code: 'NonJsonResponse', message: `HTTP ${res.status} without a JSON body` } };
  }
}

export function headersOf(res: Response): Record<string, string> {
  const out: Record<string, string> = {};
  res.headers.forEach((v, k) => (out[k] = v));
  return out;
}
