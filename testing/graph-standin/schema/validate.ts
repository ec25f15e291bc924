/**
 * Checks request bodies and query options against the resource tables, answering what Graph
 * answers (v1.0 error responses): an unknown property, a wrong JSON type, a value outside an enum or
 * a null where the type does not allow one is `400 RequestBodyRead` with OData's message; the
 * directory (user) answers `400 Request_BadRequest`. A `$select`/`$orderby` of an unknown property,
 * an `$expand` of something that is not a navigation property, an unknown `$` option or one the
 * route does not take is `400` too.
 */
import { multiValueProblem } from '../extended';
import { graphError, type GraphReply, type GraphRequest } from '../http';
import { CALENDAR } from './calendar';
import { COMPLEX } from './complex';
import { CONTACT } from './contact';
import { CONTACT_FOLDER } from './contactFolder';
import { EVENT } from './event';
import { MAIL_FOLDER } from './mailFolder';
import { MESSAGE } from './message';
import type { PropType } from './types';
import { USER } from './user';

export const TABLES = {
  event: EVENT,
  contact: CONTACT,
  calendar: CALENDAR,
  contactFolder: CONTACT_FOLDER,
  mailFolder: MAIL_FOLDER,
  message: MESSAGE,
  user: USER,
};
export type Resource = keyof typeof TABLES;

const NON_NULLABLE = new Set(['Boolean', 'Int32', 'Double']);

function typeName(t: PropType): string {
  if (t.kind === 'primitive') return `Edm.${t.name}`;
  if (t.kind === 'enum') return t.name;
  if (t.kind === 'complex') return `microsoft.graph.${t.name}`;
  return `Collection(${typeName(t.of)})`;
}

function node(v: unknown): string {
  return Array.isArray(v)
    ? 'StartArray'
    : v !== null && typeof v === 'object'
      ? 'StartObject'
      : 'PrimitiveValue';
}

const literal = (v: unknown) => (typeof v === 'string' ? v : JSON.stringify(v));

/** The problem with `v` as a value of type `t` (property `name`), or null. */
function valueProblem(name: string, t: PropType, v: unknown, owner: string): string | null {
  if (v === null) {
    if (t.kind === 'collection')
      return `A null value was found for the property named '${name}', which has the expected type '${typeName(t)}[Nullable=False]'. The expected type '${typeName(t)}[Nullable=False]' does not allow null values.`;
    if (t.kind === 'primitive' && NON_NULLABLE.has(t.name))
      return `A null value was found for the property named '${name}', which has the expected type '${typeName(t)}[Nullable=False]'. The expected type '${typeName(t)}[Nullable=False]' does not allow null values.`;
    return null;
  }
  if (t.kind === 'collection') {
    if (!Array.isArray(v))
      return `An unexpected '${node(v)}' node was found for property named '${name}' when reading from the JSON reader. A 'StartArray' node was expected.`;
    for (const item of v) {
      const problem = valueProblem(name, t.of, item, owner);
      if (problem) return problem;
    }
    return null;
  }
  if (t.kind === 'complex') {
    if (typeof v !== 'object' || Array.isArray(v))
      return `An unexpected '${node(v)}' node was found for property named '${name}' when reading from the JSON reader. A 'StartObject' node was expected.`;
    return objectProblem(v as Record<string, unknown>, COMPLEX[t.name]!, `microsoft.graph.${t.name}`);
  }
  if (typeof v === 'object')
    return `An unexpected '${node(v)}' node was found for property named '${name}' when reading from the JSON reader. A 'PrimitiveValue' node was expected.`;
  const wrong = `Cannot convert the literal '${literal(v)}' to the expected type '${typeName(t)}'.`;
  if (t.kind === 'enum') {
    if (typeof v !== 'string') return wrong;
    const values = v.split(',').map((x) => x.trim());
    return values.every((x) => t.values.some((ok) => ok.toLowerCase() === x.toLowerCase())) ? null : wrong;
  }
  switch (t.name) {
    case 'String':
      return typeof v === 'string' ? null : wrong;
    case 'Boolean':
      return typeof v === 'boolean' ? null : wrong;
    case 'Int32':
      return typeof v === 'number' && Number.isInteger(v) && Math.abs(v) < 2 ** 31 ? null : wrong;
    case 'Double':
      return typeof v === 'number' ? null : wrong;
    case 'DateTimeOffset':
      return typeof v === 'string' && /^\d{4}-\d\d-\d\dT\d\d:\d\d/.test(v) && !isNaN(Date.parse(v))
        ? null
        : wrong;
    case 'Date':
      return typeof v === 'string' && /^\d{4}-\d\d-\d\d$/.test(v) && !isNaN(Date.parse(v)) ? null : wrong;
    case 'Guid':
      return typeof v === 'string' && /^[0-9a-f]{8}-([0-9a-f]{4}-){3}[0-9a-f]{12}$/i.test(v) ? null : wrong;
    case 'Binary':
      return typeof v === 'string' && /^[A-Za-z0-9+/]*={0,2}$/.test(v) ? null : wrong;
  }
}

function unknownProperty(key: string, owner: string): string {
  return `The property '${key}' does not exist on type '${owner}'. Make sure to only use property names that are defined by the type or mark the type as open type.`;
}

function objectProblem(
  o: Record<string, unknown>,
  props: Record<string, PropType>,
  owner: string,
): string | null {
  for (const [k, v] of Object.entries(o)) {
    if (k.startsWith('@odata')) continue;
    const key = Object.keys(props).find((x) => x.toLowerCase() === k.toLowerCase());
    if (!key) return unknownProperty(k, owner);
    const problem = valueProblem(k, props[key]!, v, owner);
    if (problem) return problem;
  }
  return null;
}

/**
 * Checks a POST/PATCH body for `resource`. On success the body's keys are rewritten to the
 * published spelling and read-only properties are dropped (Graph ignores them); else Graph's error.
 */
export function checkBody(
  resource: Resource,
  body: Record<string, unknown>,
  _mode: 'create' | 'update',
): GraphReply | null {
  const table = TABLES[resource];
  const directory = resource === 'user';
  for (const k of Object.keys(body)) {
    if (k.startsWith('@odata')) continue;
    const nav = table.bodyNavigation.find((n) => n.toLowerCase() === k.toLowerCase());
    if (nav) {
      if (nav === 'multiValueExtendedProperties') {
        const problem = multiValueProblem(body[k]);
        if (problem) return problem;
      }
      if (nav !== k) {
        body[nav] = body[k];
        delete body[k];
      }
      continue;
    }
    const key = Object.keys(table.properties).find((x) => x.toLowerCase() === k.toLowerCase());
    if (!key) {
      return directory
        ? graphError(
            400,
            'Request_BadRequest',
            `Property '${k}' does not exist as a declared property or extension property.`,
          )
        : graphError(400, 'RequestBodyRead', unknownProperty(k, table.name));
    }
    const prop = table.properties[key]!;
    const problem = valueProblem(k, prop.type, body[k], table.name);
    if (problem)
      return directory
        ? graphError(
            400,
            'Request_BadRequest',
            `Invalid value specified for property '${k}' of resource 'User'.`,
          )
        : graphError(400, 'RequestBodyRead', problem);
    const value = body[k];
    delete body[k];
    if (!prop.readOnly) body[key] = value;
  }
  return null;
}

/** Where a GET lands: a collection, one item, or a view (calendarView / instances). */
export type QueryShape = 'collection' | 'item' | 'view';

const ALLOWED: Record<QueryShape, string[]> = {
  collection: ['$select', '$filter', '$top', '$skip', '$orderby', '$expand', '$count', '$skiptoken'],
  view: ['$select', '$filter', '$top', '$skip', '$orderby', '$expand', '$count', '$skiptoken'],
  item: ['$select', '$expand'],
};
const KNOWN = [
  '$select',
  '$filter',
  '$top',
  '$skip',
  '$orderby',
  '$expand',
  '$count',
  '$search',
  '$format',
  '$skiptoken',
  '$apply',
  '$compute',
  '$levels',
  '$deltatoken',
  '$id',
  '$index',
];

function names(list: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let cur = '';
  for (const ch of list) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (ch === ',' && depth === 0) {
      out.push(cur.trim());
      cur = '';
    } else cur += ch;
  }
  if (cur.trim()) out.push(cur.trim());
  return out;
}

const FILTER_WORDS = new Set([
  'eq',
  'ne',
  'gt',
  'ge',
  'lt',
  'le',
  'and',
  'or',
  'not',
  'true',
  'false',
  'null',
  'in',
  'has',
]);

/** The first property segment of each name a `$filter` compares (lambda variables and functions left out). */
function filterNames(text: string): string[] {
  const bare = text.replace(/'(?:[^']|'')*'/g, "''");
  const variables = new Set([...bare.matchAll(/(\w+)\s*:/g)].map((m) => m[1]!.toLowerCase()));
  const out: string[] = [];
  for (const m of bare.matchAll(/(?<![\w.:-])[A-Za-z_]\w*(?:\/\w+)*/g)) {
    const token = m[0];
    const after = bare.slice(m.index + token.length).trimStart();
    if (FILTER_WORDS.has(token.toLowerCase())) continue;
    if (after.startsWith('(') && !token.includes('/')) continue; // a function: startswith(...)
    if (after.startsWith(':')) continue; // a lambda variable's declaration
    const first = token.split('/')[0]!;
    if (variables.has(first.toLowerCase())) continue;
    out.push(first);
  }
  return out;
}

/**
 * Checks a GET's query options for `resource`. `extraOptions` are route parameters
 * (startDateTime, includeHiddenFolders...), `$search` only where the route allows it.
 */
export function checkQuery(
  resource: Resource,
  req: GraphRequest,
  shape: QueryShape,
  opts: { search?: boolean } = {},
): GraphReply | null {
  const table = TABLES[resource];
  const directory = resource === 'user';
  const bad = (message: string) => graphError(400, directory ? 'Request_BadRequest' : 'BadRequest', message);
  for (const [rawKey, value] of req.query) {
    const key = rawKey.toLowerCase();
    if (!key.startsWith('$')) continue;
    if (!KNOWN.includes(key)) return bad(`The query parameter '${rawKey}' is not supported.`);
    const allowed = key === '$search' ? opts.search === true : ALLOWED[shape].includes(key);
    if (!allowed) return bad(`Query option '${rawKey.slice(1)}' is not allowed on this resource.`);
    if ((key === '$top' || key === '$skip') && !/^\d+$/.test(value))
      return bad(`Invalid value '${value}' for query option '${rawKey}': it must be a non-negative integer.`);
    if (key === '$count' && !/^(true|false)$/i.test(value))
      return bad(`'${value}' is not a valid count option.`);
    const find = (n: string) =>
      Object.keys(table.properties).some((x) => x.toLowerCase() === n.toLowerCase());
    if (key === '$select') {
      for (const n of names(value)) {
        if (!find(n) && !table.navigation.some((x) => x.toLowerCase() === n.toLowerCase()))
          return directory
            ? bad(`Could not find a property named '${n}' on type 'Microsoft.DirectoryServices.User'.`)
            : graphError(
                400,
                'RequestBroker--ParseUri',
                `Could not find a property named '${n}' on type '${table.name}'.`,
              );
      }
    }
    if (key === '$filter') {
      for (const n of filterNames(value)) {
        if (!find(n) && !table.navigation.some((x) => x.toLowerCase() === n.toLowerCase()))
          return directory
            ? bad(`Could not find a property named '${n}' on type 'Microsoft.DirectoryServices.User'.`)
            : graphError(
                400,
                'RequestBroker--ParseUri',
                `Could not find a property named '${n}' on type '${table.name}'.`,
              );
      }
    }
    if (key === '$orderby') {
      for (const n of names(value)) {
        const prop = n.split(/\s+/)[0]!.split('/')[0]!;
        if (!find(prop))
          return graphError(
            400,
            directory ? 'Request_BadRequest' : 'RequestBroker--ParseUri',
            `Could not find a property named '${prop}' on type '${table.name}'.`,
          );
      }
    }
    if (key === '$expand') {
      for (const n of names(value)) {
        const nav = n.split('(')[0]!.trim();
        if (!table.navigation.some((x) => x.toLowerCase() === nav.toLowerCase()))
          return bad(
            `Parsing OData Select and Expand failed: Could not find a property named '${nav}' on type '${table.name}'.`,
          );
      }
    }
  }
  return null;
}
