import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Just enough Bicep reading for the infra tests (no Bicep compiler can run here): masking strings
 * and comments so braces can be matched, top-level keys of an object, `param` declarations, `module`
 * blocks. Positions are kept, so a block found in the masked text is cut from the original.
 */

export const REPO = join(__dirname, '..', '..');

export function readRepoFile(path: string): string {
  return readFileSync(join(REPO, path), 'utf8');
}

/** Same length as `text`, with string contents and comments blanked (quotes kept). */
export function mask(text: string): string {
  let out = '';
  let i = 0;
  while (i < text.length) {
    const c = text[i] as string;
    if (c === "'") {
      let j = i + 1;
      while (j < text.length && text[j] !== "'") j += text[j] === '\\' ? 2 : 1;
      out += "'" + ' '.repeat(Math.max(0, j - i - 1)) + "'";
      i = j + 1;
    } else if (c === '/' && text[i + 1] === '/') {
      const end = text.indexOf('\n', i);
      const stop = end < 0 ? text.length : end;
      out += ' '.repeat(stop - i);
      i = stop;
    } else {
      out += c;
      i++;
    }
  }
  return out;
}

/** Index just past the bracket that closes the one at `open` (in masked text). */
export function closingIndex(masked: string, open: number): number {
  const pairs: Record<string, string> = { '{': '}', '[': ']', '(': ')' };
  const stack: string[] = [];
  for (let i = open; i < masked.length; i++) {
    const c = masked[i] as string;
    if (pairs[c]) stack.push(pairs[c]);
    else if (c === '}' || c === ']' || c === ')') {
      if (stack.pop() !== c) throw new Error(`unbalanced "${c}" at offset ${i}`);
      if (stack.length === 0) return i + 1;
    }
  }
  throw new Error(`bracket at offset ${open} is never closed`);
}

/** Throws when any bracket in the file is unbalanced. */
export function checkBalanced(text: string): void {
  const masked = mask(text);
  for (let i = 0; i < masked.length; i++) {
    const c = masked[i];
    if (c === '{' || c === '[' || c === '(') i = closingIndex(masked, i) - 1;
    else if (c === '}' || c === ']' || c === ')') throw new Error(`unexpected "${c}" at offset ${i}`);
  }
}

/** The `{...}` object that starts at or after `from` (original text). */
export function objectAt(text: string, from: number): string {
  const masked = mask(text);
  const open = masked.indexOf('{', from);
  if (open < 0) throw new Error(`no object after offset ${from}`);
  return text.slice(open, closingIndex(masked, open));
}

/** Top-level `key: value` pairs of an object literal, values as source text. */
export function topLevelEntries(objectText: string): Map<string, string> {
  const masked = mask(objectText);
  const entries = new Map<string, string>();
  if (!objectText.includes('\n')) {
    // One-line object: `{ a: x, b: y }`, split at the commas between its own entries.
    let depth = 0;
    let start = 1;
    for (let i = 1; i < masked.length; i++) {
      const c = masked[i];
      if (c === '{' || c === '[' || c === '(') depth++;
      else if ((c === '}' || c === ']' || c === ')') && depth > 0) depth--;
      else if ((c === ',' && depth === 0) || i === masked.length - 1) {
        const part = objectText.slice(start, i);
        const m = /^\s*([A-Za-z_][A-Za-z0-9_]*|'[^']*')\s*:\s*([\s\S]*?)\s*$/.exec(part);
        if (m) entries.set((m[1] as string).replace(/^'|'$/g, ''), m[2] as string);
        start = i + 1;
      }
    }
    return entries;
  }
  let depth = 0;
  let lineStart = 0;
  for (let i = 0; i <= masked.length; i++) {
    const c = masked[i];
    if (c === '{' || c === '[' || c === '(') depth++;
    if (c === '}' || c === ']' || c === ')') depth--;
    if (c === '\n' || i === masked.length) {
      lineStart = i + 1;
      continue;
    }
    if (depth === 1 && i === lineStart) {
      const rest = masked.slice(i, masked.indexOf('\n', i) < 0 ? undefined : masked.indexOf('\n', i));
      const m = /^\s*([A-Za-z_][A-Za-z0-9_]*|'[^']*')\s*:/.exec(rest);
      if (m && m[1]) {
        const keyEnd = i + m[0].length;
        const key = m[1].startsWith("'")
          ? objectText.slice(i + m[0].indexOf("'") + 1, i + m[0].lastIndexOf("'"))
          : m[1];
        // The value runs to the end of the line, or to the end of its bracket if it opens one.
        let end = masked.indexOf('\n', keyEnd);
        if (end < 0) end = masked.length;
        const valueStart = keyEnd + (/^\s*/.exec(masked.slice(keyEnd))?.[0].length ?? 0);
        const first = masked[valueStart];
        if (first === '{' || first === '[') end = closingIndex(masked, valueStart);
        entries.set(key, objectText.slice(valueStart, end).trim());
      }
    }
  }
  return entries;
}

export interface Param {
  type: string;
  defaultText: string | undefined;
}

/** `param name type [= default]` declarations of a Bicep file. */
export function params(text: string): Map<string, Param> {
  const out = new Map<string, Param>();
  for (const m of text.matchAll(/^param\s+(\w+)\s+(\w+)(?:\s*=\s*(.+))?$/gm)) {
    out.set(m[1] as string, { type: m[2] as string, defaultText: m[3]?.trim() });
  }
  return out;
}

export interface ModuleUse {
  symbol: string;
  path: string;
  params: Map<string, string>;
}

/** `module sym 'path' = { ... params: { ... } }` blocks. */
export function modules(text: string): ModuleUse[] {
  const out: ModuleUse[] = [];
  for (const m of text.matchAll(/^module\s+(\w+)\s+'([^']+)'\s*=/gm)) {
    const body = objectAt(text, m.index ?? 0);
    const paramsText = topLevelEntries(body).get('params');
    out.push({
      symbol: m[1] as string,
      path: m[2] as string,
      params: paramsText ? topLevelEntries(paramsText) : new Map(),
    });
  }
  return out;
}

/** The object literal(s) a `var NAME = ...` declaration holds (both branches of `cond ? {} : {...}`). */
export function varObject(text: string, name: string): Map<string, string> {
  const decl = new RegExp(`^var\\s+${name}\\s*=`, 'm').exec(text);
  if (!decl) throw new Error(`var ${name} not found`);
  const masked = mask(text);
  const lineEnd = masked.indexOf('\n', decl.index);
  const openOnLine = masked.lastIndexOf('{', lineEnd);
  const body = text.slice(openOnLine, closingIndex(masked, openOnLine));
  return topLevelEntries(body);
}

/** A single-quoted Bicep string literal without interpolation, or undefined. */
export function literal(valueText: string): string | undefined {
  const m = /^'((?:[^'\\$]|\\.|\$(?!\{))*)'$/.exec(valueText);
  return m ? (m[1] as string).replace(/\\(.)/g, '$1') : undefined;
}
