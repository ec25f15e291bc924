import { XMLParser } from 'fast-xml-parser';

/**
 * The stand-in's own reading of request XML, namespace-aware (as Exchange's schema validation is):
 * an element is known by its namespace URI and local name, whatever prefix the client chose.
 */

export const NS = {
  soap: 'http://schemas.xmlsoap.org/soap/envelope/',
  types: 'http://schemas.microsoft.com/exchange/services/2006/types',
  messages: 'http://schemas.microsoft.com/exchange/services/2006/messages',
} as const;

export interface El {
  ns: string;
  local: string;
  attrs: Record<string, string>;
  children: El[];
  text: string;
}

const parser = new XMLParser({
  preserveOrder: true,
  ignoreAttributes: false,
  attributeNamePrefix: '@_',
  parseTagValue: false,
  parseAttributeValue: false,
  // Exchange writes characters such as CR as numeric references (&#xD;): decode them.
  htmlEntities: true,
  trimValues: true,
});

type Raw = Record<string, unknown>;

function build(nodes: Raw[], scope: Record<string, string>): El[] {
  const out: El[] = [];
  for (const n of nodes) {
    const key = Object.keys(n).find((k) => k !== ':@');
    if (!key || key === '#text' || key.startsWith('?')) continue;
    const s = { ...scope };
    const attrs: Record<string, string> = {};
    for (const [k, v] of Object.entries((n[':@'] ?? {}) as Record<string, string>)) {
      const name = k.slice(2);
      if (name === 'xmlns') s[''] = v;
      else if (name.startsWith('xmlns:')) s[name.slice(6)] = v;
      else attrs[name.replace(/^[\w-]+:/, '')] = v;
    }
    const i = key.indexOf(':');
    const prefix = i > 0 ? key.slice(0, i) : '';
    const local = i > 0 ? key.slice(i + 1) : key;
    const kids = (n[key] ?? []) as Raw[];
    const text = kids
      .filter((k) => '#text' in k)
      .map((k) => String(k['#text']))
      .join('');
    out.push({ ns: s[prefix] ?? '', local, attrs, children: build(kids, s), text });
  }
  return out;
}

/** Parses a document; throws on XML that is not well-formed. */
export function parseDocument(xml: string): El | undefined {
  return build(parser.parse(xml) as Raw[], {})[0];
}

export function kid(el: El | undefined, ns: string, local: string): El | undefined {
  return el?.children.find((c) => c.ns === ns && c.local === local);
}

export function kids(el: El | undefined, ns: string, local: string): El[] {
  return el?.children.filter((c) => c.ns === ns && c.local === local) ?? [];
}

export function escapeXml(s: string): string {
  return s.replace(
    /[<>&"']/g,
    (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c] as string,
  );
}
