/**
 * Azure Functions route templates: literal segments, `{name}`, optional `{name?}`, constrained
 * `{name:int}` / `{name:alpha}` / `{name:regex(...)}` and catch-all `{*name}`.
 */
export interface CompiledRoute {
  template: string;
  match(path: string): Record<string, string> | undefined;
  /** Lower is more specific: literal segments beat parameters, which beat a catch-all. */
  precedence: number[];
}

const RANK = { literal: 0, constrained: 1, parameter: 2, optional: 3, catchAll: 4 } as const;

/** Orders routes the way the Functions host (ASP.NET routing) does: most specific first. */
export function bySpecificity(a: CompiledRoute, b: CompiledRoute): number {
  const n = Math.max(a.precedence.length, b.precedence.length);
  for (let i = 0; i < n; i++) {
    const x = a.precedence[i] ?? -1;
    const y = b.precedence[i] ?? -1;
    if (x !== y) return x - y;
  }
  return 0;
}

const CONSTRAINTS: Record<string, RegExp> = {
  int: /^-?\d+$/,
  alpha: /^[a-z]+$/i,
  guid: /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i,
  bool: /^(true|false)$/i,
};

export function compileRoute(template: string): CompiledRoute {
  const segments = template
    .replace(/^\/+|\/+$/g, '')
    .split('/')
    .filter(Boolean);
  const precedence = segments.map((seg) => {
    const p = /^\{(\*)?[A-Za-z0-9_]+(\?)?(:[^}]+)?\}$/.exec(seg);
    if (!p) return RANK.literal;
    if (p[1]) return RANK.catchAll;
    if (p[2]) return RANK.optional;
    return p[3] ? RANK.constrained : RANK.parameter;
  });
  return {
    template,
    precedence,
    match(path) {
      const parts = path
        .replace(/^\/+|\/+$/g, '')
        .split('/')
        .filter(Boolean);
      const params: Record<string, string> = {};
      for (let i = 0; i < segments.length; i++) {
        const seg = segments[i] as string;
        const part = parts[i];
        const param = /^\{(\*)?([A-Za-z0-9_]+)(\?)?(?::([^}]+))?\}$/.exec(seg);
        if (!param) {
          if (part === undefined || part.toLowerCase() !== seg.toLowerCase()) return undefined;
          continue;
        }
        const [, catchAll, rawName, optional, constraint] = param;
        const name = rawName as string;
        if (catchAll) {
          params[name] = parts.slice(i).map(decodeURIComponent).join('/');
          return params;
        }
        if (part === undefined) {
          if (optional) continue;
          return undefined;
        }
        const value = decodeURIComponent(part);
        if (constraint && !satisfies(value, constraint)) return undefined;
        params[name] = value;
      }
      return parts.length <= segments.length ? params : undefined;
    },
  };
}

function satisfies(value: string, constraint: string): boolean {
  const regex = /^regex\((.*)\)$/.exec(constraint);
  if (regex) return new RegExp(regex[1] as string).test(value);
  return CONSTRAINTS[constraint.toLowerCase()]?.test(value) ?? true;
}
