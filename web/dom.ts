/** The page's one DOM helper: create an element with attributes and children. */
export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Record<string, string> = {},
  children: string | Node | (string | Node)[] = [],
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  for (const c of Array.isArray(children) ? children : [children]) node.append(c);
  return node;
}

/** Finds an element the page's HTML promises; a missing one is a bug in index.html. */
export function byId<T extends HTMLElement = HTMLElement>(id: string): T {
  const node = document.getElementById(id);
  if (!node) throw new Error(`web page: #${id} is missing from index.html`);
  return node as T;
}

/** What a caught value says, for the one-line messages the page shows. */
export function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** Bytes as "12.3 MiB". */
export function formatBytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB'];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) {
    n /= 1024;
    i++;
  }
  return `${i === 0 ? n : n.toFixed(1)} ${units[i]}`;
}
