// Tiny DOM helpers: every text goes through textContent, never innerHTML.

type Child = Node | string | undefined | false;

/** Creates an element with classes, attributes, text and children; text always as text nodes. */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  props: { class?: string; attrs?: Record<string, string>; text?: string; on?: Record<string, (e: Event) => void> } = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  if (props.class) el.className = props.class;
  for (const [k, v] of Object.entries(props.attrs ?? {})) el.setAttribute(k, v);
  if (props.text !== undefined) el.textContent = props.text;
  for (const [k, fn] of Object.entries(props.on ?? {})) el.addEventListener(k, fn);
  for (const c of children) {
    if (c === undefined || c === false) continue;
    el.append(typeof c === 'string' ? document.createTextNode(c) : c);
  }
  return el;
}

/** A link-looking control that asks the host to act (the webview never opens URLs itself). */
export function actionLink(text: string, label: string, onClick: () => void, key?: string): HTMLAnchorElement {
  const a = h('a', { text, attrs: { href: '#', 'aria-label': label, ...(key ? { 'data-key': key } : {}) } });
  a.addEventListener('click', (e) => {
    e.preventDefault();
    onClick();
  });
  return a;
}

/** A push button; `label` is its accessible name when the visible text is not enough. */
export function button(text: string, onClick: () => void, opts: { key?: string; secondary?: boolean; label?: string } = {}): HTMLButtonElement {
  const b = h('button', {
    text,
    class: opts.secondary ? 'secondary' : undefined,
    attrs: { type: 'button', ...(opts.key ? { 'data-key': opts.key } : {}), ...(opts.label ? { 'aria-label': opts.label } : {}) },
  });
  b.addEventListener('click', onClick);
  return b;
}

/**
 * Data (a name, a title, a stage) isolated from the words around it, so a Latin name reads right in
 * an Arabic sentence and an Arabic one in an English sentence. `dir="auto"` takes the direction of
 * the text's first strong character; `ltr` suits keys, e-mail addresses and paths.
 */
export function iso(text: string, dir: 'auto' | 'ltr' = 'auto', cls?: string): HTMLSpanElement {
  return h('span', { class: cls, text, attrs: { dir } });
}

/**
 * A host template (`Goes to: {0}`) with its `{0}`, `{1}`… replaced by nodes or text; the template's own
 * words go through `word` (e.g. to style them). An index without an argument stays as written.
 */
export function fillIn(
  template: string,
  args: ReadonlyArray<Node | string>,
  word: (text: string) => Node | string = (t) => t,
): Array<Node | string> {
  const out: Array<Node | string> = [];
  let last = 0;
  for (const m of template.matchAll(/\{(\d+)\}/g)) {
    const arg = args[Number(m[1])];
    if (arg === undefined) continue;
    if (m.index > last) out.push(word(template.slice(last, m.index)));
    out.push(arg);
    last = m.index + m[0].length;
  }
  if (last < template.length) out.push(word(template.slice(last)));
  return out;
}

/** A host template filled with text, for attributes (an accessible name cannot hold elements). */
export function fillText(template: string, ...args: string[]): string {
  return fillIn(template, args).join('');
}
