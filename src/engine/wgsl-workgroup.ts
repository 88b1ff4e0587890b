/**
 * Reads an entry point's `@workgroup_size(...)` out of WGSL text, for the profiler: a launch's
 * dispatch size is its workgroup grid times this. Each dimension may be an integer literal or the
 * name of a module-scope `const` / `override` (the latter replaced by the pipeline's constants),
 * which is how every shader in shaders/ writes it. Anything else (an expression such as `WG * 2`)
 * gives null rather than a guess.
 */

/** Removes // and /* *\/ comments, so that commented-out code cannot match. */
function stripComments(wgsl: string): string {
  return wgsl.replace(/\/\*[\s\S]*?\*\//g, ' ').replace(/\/\/[^\n]*/g, ' ');
}

const escape = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** The value of a literal or a named const/override, following names up to a few levels. */
function resolveValue(code: string, token: string, constants: Readonly<Record<string, number>>, depth = 0): number | null {
  const t = token.trim();
  const literal = /^(\d+)[ui]?$/.exec(t);
  if (literal) return Number(literal[1]);
  if (!/^[A-Za-z_]\w*$/.test(t) || depth > 4) return null;
  if (Object.prototype.hasOwnProperty.call(constants, t)) return constants[t];
  const decl = new RegExp(`\\b(?:const|override)\\s+${escape(t)}\\s*(?::\\s*\\w+)?\\s*=\\s*([^;]+);`).exec(code);
  return decl ? resolveValue(code, decl[1], constants, depth + 1) : null;
}

/**
 * The workgroup size of `entry` in `wgsl`, with `constants` overriding `override` declarations;
 * missing dimensions are 1, as in WGSL. Null when the attribute cannot be read.
 */
export function workgroupSizeOf(wgsl: string, entry: string, constants: Readonly<Record<string, number>> = {}): [number, number, number] | null {
  const code = stripComments(wgsl);
  // The attribute, then anything but a body or a statement end, then `fn entry(`: an earlier
  // function's attribute cannot match because its own body ({ ... }) lies in between.
  const m = new RegExp(`@workgroup_size\\s*\\(([^)]*)\\)[^;{}]*?\\bfn\\s+${escape(entry)}\\s*\\(`).exec(code);
  if (!m) return null;
  const parts = m[1].split(',').map((s) => s.trim()).filter((s) => s !== '');
  if (parts.length < 1 || parts.length > 3) return null;
  const dims = parts.map((p) => resolveValue(code, p, constants));
  if (dims.some((d) => d === null || !(d > 0))) return null;
  while (dims.length < 3) dims.push(1);
  return dims as [number, number, number];
}
