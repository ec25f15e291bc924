import { page, type GraphRequest, type GraphReply } from './http';
import { evaluate, orderBy, parseFilter, select } from './odata';

type Json = Record<string, unknown>;

/** The items that pass the request's `$filter`, evaluated on each item as `view` shows it. */
export function filtered<T>(req: GraphRequest, items: T[], view: (item: T) => unknown = (item) => item): T[] {
  const text = req.query.get('$filter');
  if (!text) return items;
  const expr = parseFilter(text);
  return items.filter((item) => evaluate(expr, view(item)));
}

/**
 * A collection's answer as Graph gives it: `$orderby` (unless the resource ignores it), then
 * `$select`, then a page of at most `maxTop` items (10 unless `$top` says otherwise).
 */
export function listPage(
  req: GraphRequest,
  items: Json[],
  { maxTop = 1000, ordered = true }: { maxTop?: number; ordered?: boolean } = {},
): GraphReply {
  const sorted = ordered ? orderBy(items, req.query.get('$orderby')) : items;
  return page(
    req,
    sorted.map((item) => select(item, req.query.get('$select'))),
    10,
    maxTop,
  );
}
