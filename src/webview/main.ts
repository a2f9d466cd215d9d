// Sidebar entry: renders SidebarState snapshots from the host; keeps the question form (and what was
// typed in it) alive across re-renders, hides and reloads.
import type { SidebarState } from '../shared/sidebarState';
import type { ToWebview } from '../shared/protocol';
import { loadState, post, saveState } from './api';
import { actionLink, button, h } from './dom';

const DealsShownFirst = 25;
const persisted = loadState();
let state: SidebarState | undefined;
let sending = false;

const root = document.getElementById('root') as HTMLElement;
root.textContent = '';
const head = h('section', { class: 'head' });
const message = h('section', { class: 'message' });
const deals = h('section', { class: 'deals', attrs: { 'aria-label': 'Customers' } });
const ask = h('section', { class: 'ask', attrs: { 'aria-label': 'Ask sales' } });
const questions = h('section', { class: 'questions', attrs: { 'aria-labelledby': 'questions-heading' } });
root.append(head, message, deals, ask, questions);

// --- the question form: built once so focus and text survive every snapshot ---
const askButton = button('Ask sales', () => setFormOpen(!persisted.formOpen), { key: 'ask' });
askButton.setAttribute('aria-controls', 'ask-form');
const textarea = h('textarea', { attrs: { id: 'question', rows: '5', placeholder: 'What do you need to know from sales?' } });
textarea.value = persisted.drafts[persisted.ticket] ?? '';
textarea.addEventListener('input', () => {
  if (textarea.value) persisted.drafts[persisted.ticket] = textarea.value;
  else delete persisted.drafts[persisted.ticket];
  saveState(persisted);
});

/** Shows the draft of the state's ticket; the other tickets' drafts stay saved. */
function switchTicket(key: string): void {
  if (key === persisted.ticket) return;
  persisted.ticket = key;
  textarea.value = persisted.drafts[key] ?? '';
  formStatus.textContent = '';
  saveState(persisted);
}
textarea.addEventListener('keydown', (e) => {
  if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) send();
  if (e.key === 'Escape') setFormOpen(false);
});
const selectionBox = h('input', { attrs: { type: 'checkbox', id: 'include-selection' } });
selectionBox.checked = persisted.includeSelection;
selectionBox.addEventListener('change', () => {
  persisted.includeSelection = selectionBox.checked;
  saveState(persisted);
});
const selectionLabel = h('label', { attrs: { for: 'include-selection' } });
const selectionRow = h('div', { class: 'row selection' }, selectionBox, selectionLabel);
const routesNote = h('p', { class: 'muted small' });
const sendButton = button('Send to sales', () => send(), { key: 'send' });
const cancelButton = button('Cancel', () => setFormOpen(false), { secondary: true });
const formStatus = h('p', { class: 'form-status', attrs: { role: 'status', 'aria-live': 'polite' } });
const form = h(
  'form',
  { attrs: { id: 'ask-form', 'aria-label': 'Question to sales' } },
  h('label', { text: 'Question', attrs: { for: 'question' } }),
  textarea,
  selectionRow,
  routesNote,
  h('div', { class: 'row' }, sendButton, cancelButton),
);
form.addEventListener('submit', (e) => {
  e.preventDefault();
  send();
});
ask.append(askButton, form, formStatus);

function setFormOpen(open: boolean): void {
  persisted.formOpen = open;
  saveState(persisted);
  renderAsk();
  if (open) textarea.focus();
  else askButton.focus();
}

function send(): void {
  if (sending || !state?.ask.enabled) return;
  if (!textarea.value.trim()) {
    formStatus.textContent = 'Type a question first.';
    formStatus.className = 'form-status error';
    textarea.focus();
    return;
  }
  sending = true;
  formStatus.textContent = 'Sending…';
  formStatus.className = 'form-status';
  renderAsk();
  post({ type: 'sendQuestion', text: textarea.value, includeSelection: selectionBox.checked && !!state.ask.selection });
}

function renderAsk(): void {
  const enabled = !!state?.ask.enabled;
  ask.hidden = !state?.ticket;
  askButton.disabled = !enabled;
  askButton.setAttribute('aria-expanded', String(persisted.formOpen && enabled));
  askButton.title = enabled ? 'Ask the deal owners a clarifying question' : state?.ask.reason ?? '';
  form.hidden = !(persisted.formOpen && enabled);
  sendButton.disabled = sending;
  textarea.readOnly = sending;
  const sel = state?.ask.selection;
  selectionRow.hidden = !sel;
  selectionLabel.textContent = sel ? `Include selected code (${sel})` : '';
  routesNote.textContent = state?.ask.routes ? `Goes to: ${state.ask.routes}` : '';
}

// --- snapshot rendering ---
function renderHead(s: SidebarState): void {
  head.replaceChildren();
  if (!s.ticket) {
    if (s.branch) head.append(h('p', { class: 'muted small', text: `Branch: ${s.branch}` }));
    return;
  }
  const t = s.ticket;
  const title = h('h2', {}, t.hasUrl ? actionLink(t.key, `Open ticket ${t.key} in the browser`, () => post({ type: 'openTicket' }), 'ticket') : t.key);
  if (t.title) title.append(h('span', { class: 'title', text: ` ${t.title}` }));
  head.append(title);
  const meta: string[] = [];
  if (t.status) meta.push(t.status);
  if (s.branch) meta.push(`branch ${s.branch}`);
  if (t.overridden) meta.push('ticket set by hand');
  if (meta.length) head.append(h('p', { class: 'muted small', text: meta.join(' · ') }));
  if (s.salesSees) {
    // What sales has been told (progress notes on the deals): one line, and why a note is not out.
    const box = h('div', { class: 'sales-sees', attrs: { role: 'group', 'aria-label': 'Progress notes to sales' } });
    box.append(h('p', { class: 'small', text: s.salesSees.text }));
    if (s.salesSees.detail) box.append(h('p', { class: s.salesSees.failed ? 'small error' : 'small muted', text: s.salesSees.detail }));
    head.append(box);
  }
}

function renderMessage(s: SidebarState): void {
  message.replaceChildren();
  if (s.refreshing) message.append(h('p', { class: 'muted small', attrs: { role: 'status' }, text: 'Refreshing…' }));
  if (s.stale) message.append(h('p', { class: 'banner warn', attrs: { role: 'status' }, text: s.stale }));
  if (s.headline) {
    const isError = ['error', 'invalidData', 'notConfigured', 'ticketNotFound', 'gitUnavailable'].includes(s.status);
    message.append(h('p', { class: isError ? 'headline error' : 'headline', attrs: isError ? { role: 'alert' } : {}, text: s.headline }));
  }
  if (s.detail) message.append(h('p', { class: 'detail', text: s.detail }));
  if (s.problems.length) {
    const list = h('ul', { class: 'problems', attrs: { 'aria-label': 'Data file problems' } });
    for (const p of s.problems) list.append(h('li', {}, h('code', { text: p.path }), `: ${p.message}`));
    message.append(list);
  }
  if (s.action) {
    const id = s.action.id;
    message.append(button(s.action.label, () => post({ type: 'action', action: id }), { key: `action-${id}` }));
  }
  if (s.warnings.length) {
    const list = h('ul', { class: 'warnings', attrs: { 'aria-label': 'Warnings' } });
    for (const w of s.warnings) list.append(h('li', { text: w }));
    message.append(list);
  }
}

function renderDeals(s: SidebarState): void {
  deals.replaceChildren();
  if (s.summary) {
    const sum = s.summary;
    const box = h('div', { class: 'summary', attrs: { role: 'group', 'aria-label': 'Total at stake' } });
    box.append(h('p', { class: 'total' }, h('span', { class: 'label', text: 'Total at stake: ' }), sum.totals.join(' + ')));
    box.append(h('p', { class: 'muted small', text: `${sum.customers} customer${sum.customers === 1 ? '' : 's'}, ${s.deals.length} deals` }));
    if (sum.earliestClose) {
      const ec = sum.earliestClose;
      box.append(h('p', { class: ec.overdue ? 'small overdue' : 'small' }, `Earliest close: ${ec.date}`, ec.relative ? ` (${ec.relative})` : ''));
    }
    deals.append(box);
  }
  if (!s.deals.length) return;
  const showAll = !!s.ticket && persisted.showAllFor === s.ticket.key;
  const shown = showAll ? s.deals : s.deals.slice(0, DealsShownFirst);
  const list = h('ul', { class: 'deal-list', attrs: { 'aria-label': 'Deals' } });
  for (const d of shown) {
    const li = h('li', { class: 'deal' });
    li.append(h('h3', { text: d.customer }));
    const dl = h('dl');
    const row = (term: string, ...value: Array<Node | string>) => dl.append(h('dt', { text: term }), h('dd', {}, ...value));
    if (d.amount) row('Amount', d.amount);
    if (d.stage) row('Stage', d.stage);
    if (d.closeDate) {
      const rel = d.closeRelative ? h('span', { class: d.overdue ? 'overdue' : 'muted', text: ` (${d.closeRelative})` }) : '';
      row('Close date', d.closeDate, rel);
    }
    if (d.owner) {
      const parts: Array<Node | string> = [d.owner.name];
      if (d.owner.email) parts.push(' · ', actionLink(d.owner.email, `E-mail ${d.owner.name}`, () => post({ type: 'mailOwner', dealId: d.id }), `mail-${d.id}`));
      row('Sales owner', ...parts);
    }
    li.append(dl);
    if (d.hasUrl) li.append(actionLink('Open in CRM', `Open the ${d.customer} deal in the CRM`, () => post({ type: 'openDeal', dealId: d.id }), `deal-${d.id}`));
    list.append(li);
  }
  deals.append(list);
  if (s.deals.length > shown.length) {
    deals.append(button(`Show all ${s.deals.length} deals`, () => {
      persisted.showAllFor = s.ticket?.key;
      saveState(persisted);
      renderDeals(s);
      // The button is gone: put the focus on the first newly shown deal, not on <body>.
      const next = deals.querySelectorAll<HTMLElement>('li.deal')[DealsShownFirst];
      next?.setAttribute('tabindex', '-1');
      next?.focus();
    }, { key: 'show-all', secondary: true }));
  }
}

function renderQuestions(s: SidebarState): void {
  questions.replaceChildren();
  questions.hidden = !s.ticket;
  questions.append(h('h3', { text: 'Questions', attrs: { id: 'questions-heading' } }));
  if (!s.questions.length) {
    questions.append(h('p', { class: 'muted small', text: 'No questions asked about this ticket yet.' }));
    return;
  }
  const list = h('ul', { class: 'question-list', attrs: { 'aria-label': 'Questions' } });
  for (const q of s.questions) {
    const li = h('li', { class: 'question' });
    li.append(h('p', { class: 'q-text', text: q.text }));
    li.append(h('p', { class: 'small' }, h('span', { class: `state state-${q.state.toLowerCase()}`, text: q.state }), ` · ${q.createdAt}`));
    if (q.detail) li.append(h('p', { class: q.state === 'Failed' ? 'small error' : 'small muted', text: q.detail }));
    if (q.answer) {
      const a = h('blockquote', { class: 'answer', attrs: { 'aria-label': 'Answer' } });
      a.append(h('p', { text: q.answer.text }));
      const by = [q.answer.by, q.answer.at].filter(Boolean).join(', ');
      if (by) a.append(h('p', { class: 'small muted', text: `— ${by}` }));
      li.append(a);
    }
    if (q.state === 'Failed' && !q.foreign) {
      li.append(h('div', { class: 'row' },
        button('Retry', () => post({ type: 'retryQuestion', id: q.id }), { key: `retry-${q.id}`, label: 'Retry sending this question' }),
        button('Discard', () => post({ type: 'discardQuestion', id: q.id }), { key: `discard-${q.id}`, secondary: true, label: 'Discard this question' })));
    }
    list.append(li);
  }
  questions.append(list);
}

function render(s: SidebarState): void {
  const focusedKey = (document.activeElement as HTMLElement | null)?.dataset?.key;
  state = s;
  if (s.ticket) switchTicket(s.ticket.key);
  document.body.classList.toggle('privacy', s.privacy);
  renderHead(s);
  renderMessage(s);
  renderDeals(s);
  renderAsk();
  renderQuestions(s);
  if (focusedKey) (root.querySelector(`[data-key="${CSS.escape(focusedKey)}"]`) as HTMLElement | null)?.focus();
}

window.addEventListener('message', (event: MessageEvent<ToWebview>) => {
  const msg = event.data;
  switch (msg.type) {
    case 'state':
      render(msg.state);
      break;
    case 'openAskForm':
      if (state?.ask.enabled) setFormOpen(true);
      break;
    case 'sendResult':
      sending = false;
      formStatus.textContent = msg.message;
      formStatus.className = msg.ok ? 'form-status' : 'form-status error';
      if (msg.ok) {
        textarea.value = '';
        delete persisted.drafts[persisted.ticket];
        persisted.formOpen = false;
        saveState(persisted);
      }
      renderAsk();
      if (!msg.ok) textarea.focus();
      break;
  }
});

renderAsk();
post({ type: 'ready' });
