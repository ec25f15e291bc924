/**
 * How the stand-in writes down Microsoft Graph v1.0's published metadata ($metadata, the
 * "Properties" tables of each resource page): a property is an Edm primitive, an enum, a complex
 * type or a collection of one of those; read-only properties are accepted and ignored in bodies, as
 * Graph ignores them; navigation properties name what `$expand` (and a create body, for extended
 * properties and attachments) may use.
 */
export type Primitive =
  'String' | 'Boolean' | 'Int32' | 'Double' | 'DateTimeOffset' | 'Date' | 'Guid' | 'Binary';

export type PropType =
  | { kind: 'primitive'; name: Primitive }
  | { kind: 'enum'; name: string; values: string[] }
  | { kind: 'complex'; name: string }
  | { kind: 'collection'; of: PropType };

export interface Property {
  type: PropType;
  readOnly?: boolean;
}

export interface EntityTable {
  /** OData type name, e.g. microsoft.graph.event. */
  name: string;
  properties: Record<string, Property>;
  /** Navigation properties (for $expand, and those a create body may carry). */
  navigation: string[];
  /** Navigation properties a POST body may include (deep insert). */
  bodyNavigation: string[];
}

export const p = (name: Primitive): PropType => ({ kind: 'primitive', name });
export const e = (name: string, values: string[]): PropType => ({ kind: 'enum', name, values });
export const c = (name: string): PropType => ({ kind: 'complex', name });
export const coll = (of: PropType): PropType => ({ kind: 'collection', of });

export const rw = (type: PropType): Property => ({ type });
export const ro = (type: PropType): Property => ({ type, readOnly: true });
