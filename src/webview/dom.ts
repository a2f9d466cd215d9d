// Tiny DOM helpers: every text goes through textContent, never innerHTML.

type Child = Node | string | undefined | false;

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

export function button(text: string, onClick: () => void, opts: { key?: string; secondary?: boolean; label?: string } = {}): HTMLButtonElement {
  const b = h('button', {
    text,
    class: opts.secondary ? 'secondary' : undefined,
    attrs: { type: 'button', ...(opts.key ? { 'data-key': opts.key } : {}), ...(opts.label ? { 'aria-label': opts.label } : {}) },
  });
  b.addEventListener('click', onClick);
  return b;
}
