/**
 * Single-value extended properties (Graph v1.0 singleValueLegacyExtendedProperty) as Exchange
 * checks them: the id is `{type} {guid} Name {name}`, `{type} {guid} Id 0x{hex}` or
 * `{type} 0x{tag}`, else 400 ErrorInvalidProperty with Graph's message; the value must parse as the
 * MAPI type the id names.
 */
import { graphError, type GraphReply, type GraphRequest } from './http';
import { evaluate, parseFilter } from './odata';
import { normalisePropertyId } from './state';

const SINGLE_TYPES = [
  'Binary',
  'Boolean',
  'CLSID',
  'Currency',
  'Double',
  'Float',
  'Integer',
  'Long',
  'Short',
  'String',
  'SystemTime',
];

const GUID = '\\{?[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\\}?';
const ID_FORMS = [
  new RegExp(`^(\\w+) ${GUID} Name \\S.*$`, 'i'),
  new RegExp(`^(\\w+) ${GUID} Id 0x[0-9a-f]{1,4}$`, 'i'),
  /^(\w+) 0x[0-9a-f]{1,4}$/i,
];

export const MALFORMED_PROPERTY_ID =
  "PropertyId values may only be in one of the following formats: 'MapiPropertyType namespaceGuid Name propertyName', 'MapiPropertyType namespaceGuid Id propertyId' or 'MapiPropertyType propertyTag'.";

/** The MAPI type named by a well-formed single-value property id, or null. */
export function propertyType(id: string): string | null {
  for (const form of ID_FORMS) {
    const m = form.exec(id.trim());
    if (m) return SINGLE_TYPES.find((t) => t.toLowerCase() === m[1]!.toLowerCase()) ?? null;
  }
  return null;
}

export function malformedPropertyId(): GraphReply {
  return graphError(400, 'ErrorInvalidProperty', MALFORMED_PROPERTY_ID);
}

function valueFits(type: string, value: string): boolean {
  switch (type) {
    case 'Integer':
    case 'Long':
    case 'Short':
      return /^-?\d+$/.test(value);
    case 'Double':
    case 'Float':
    case 'Currency':
      return value.trim() !== '' && !isNaN(Number(value));
    case 'Boolean':
      return /^(true|false)$/i.test(value);
    case 'SystemTime':
      return /^\d{4}-\d\d-\d\dT/.test(value) && !isNaN(Date.parse(value));
    case 'CLSID':
      return new RegExp(`^${GUID}$`, 'i').test(value);
    case 'Binary':
      return /^[A-Za-z0-9+/]*={0,2}$/.test(value);
    default:
      return true;
  }
}

/**
 * Checks a `singleValueExtendedProperties` array from a request body and returns the properties by
 * normalised id, or the error Graph answers.
 */
export function readExtendedProperties(
  v: unknown,
): Array<{ key: string; id: string; value: string }> | GraphReply {
  if (!Array.isArray(v))
    return graphError(
      400,
      'RequestBodyRead',
      "An unexpected 'StartObject' node was found for property named 'singleValueExtendedProperties' when reading from the JSON reader. A 'StartArray' node was expected.",
    );
  const out: Array<{ key: string; id: string; value: string }> = [];
  for (const p of v as unknown[]) {
    const entry = (p ?? {}) as Record<string, unknown>;
    const unknownKey = Object.keys(entry).find((k) => k !== 'id' && k !== 'value' && !k.startsWith('@odata'));
    if (unknownKey)
      return graphError(
        400,
        'RequestBodyRead',
        `The property '${unknownKey}' does not exist on type 'microsoft.graph.singleValueLegacyExtendedProperty'. Make sure to only use property names that are defined by the type or mark the type as open type.`,
      );
    if (typeof entry.id !== 'string' || typeof entry.value !== 'string')
      return graphError(
        400,
        'RequestBodyRead',
        'Each singleValueLegacyExtendedProperty needs a string id and a string value.',
      );
    const type = propertyType(entry.id);
    if (!type) return malformedPropertyId();
    if (!valueFits(type, entry.value))
      return graphError(
        400,
        'ErrorInvalidExtendedPropertyValue',
        `The value '${entry.value}' is not valid for an extended property of type ${type}.`,
      );
    out.push({ key: normalisePropertyId(entry.id), id: entry.id, value: entry.value });
  }
  return out;
}

/** The ids compared in a `$filter` / `$expand(...($filter=...))` text, each checked for form. */
export function filterPropertyIdsProblem(filterText: string | null): GraphReply | null {
  if (!filterText || !/singleValueExtendedProperties/i.test(filterText)) return null;
  const ids = [...filterText.matchAll(/\bid\s+eq\s+'((?:[^']|'')*)'/gi)].map((m) =>
    m[1]!.replace(/''/g, "'"),
  );
  return ids.some((id) => propertyType(id) === null) ? malformedPropertyId() : null;
}

/** Checks a `multiValueExtendedProperties` array: ids in one of the three forms with an `…Array` type, values string arrays. */
export function multiValueProblem(v: unknown): GraphReply | null {
  if (!Array.isArray(v))
    return graphError(
      400,
      'RequestBodyRead',
      "An unexpected 'StartObject' node was found for property named 'multiValueExtendedProperties' when reading from the JSON reader. A 'StartArray' node was expected.",
    );
  for (const p of v as unknown[]) {
    const entry = (p ?? {}) as Record<string, unknown>;
    if (
      typeof entry.id !== 'string' ||
      !Array.isArray(entry.value) ||
      entry.value.some((x) => typeof x !== 'string')
    )
      return graphError(
        400,
        'RequestBodyRead',
        'Each multiValueLegacyExtendedProperty needs a string id and an array of strings as value.',
      );
    const form = ID_FORMS.map((f) => f.exec(entry.id as string)).find(Boolean);
    const type = form?.[1] ?? '';
    if (
      !form ||
      !/Array$/i.test(type) ||
      !SINGLE_TYPES.some((t) => `${t}Array`.toLowerCase() === type.toLowerCase())
    )
      return malformedPropertyId();
  }
  return null;
}

/**
 * Adds `singleValueExtendedProperties` to an item's JSON when `$expand` asks for them (all, or
 * those its `$filter=id eq '...'` names), as Graph returns them only then.
 */
export function extendedJson(
  req: GraphRequest,
  extended: Map<string, { id: string; value: string }>,
  out: Record<string, unknown>,
  expandOverride?: string,
): void {
  const expandText = expandOverride ?? req.query.get('$expand') ?? '';
  const ex = /singleValueExtendedProperties(?:\(\$filter=(.*)\))?/i.exec(expandText);
  if (!ex) return;
  let props = [...extended.values()];
  if (ex[1]) {
    const f = parseFilter(ex[1]);
    props = props.filter((p) => evaluate(f, p));
  }
  out.singleValueExtendedProperties = props;
}
