// Sidebar entry: renders SidebarState snapshots from the host; keeps the question form (and what was
// typed in it) alive across re-renders, hides and reloads.
import type { QuestionState, SidebarState, SidebarStrings } from '../shared/sidebarState';
import type { ToWebview } from '../shared/protocol';
import { loadState, post, saveState } from './api';
import { actionLink, button, fillIn, fillText, h, iso } from './dom';

const DealsShownFirst = 25;
const persisted = loadState();
let state: SidebarState | undefined;
let sending = false;

type BuiltOnce = 'customers' | 'askSales' | 'questionForm' | 'question' | 'questionPlaceholder' | 'sendToSales' | 'cancel';

/** What the page shows before the host's first state brings the reader's language. */
const BeforeState: Pick<SidebarStrings, BuiltOnce> = {
  customers: 'Customers',
  askSales: 'Ask sales',
  questionForm: 'Question to sales',
  question: 'Question',
  questionPlaceholder: 'What do you need to know from sales?',
  sendToSales: 'Send to sales',
  cancel: 'Cancel',
};

const root = document.getElementById('root') as HTMLElement;
root.textContent = '';
const head = h('section', { class: 'head' });
const message = h('section', { class: 'message' });
const deals = h('section', { class: 'deals', attrs: { 'aria-label': BeforeState.customers } });
const ask = h('section', { class: 'ask', attrs: { 'aria-label': BeforeState.askSales } });
const questions = h('section', { class: 'questions', attrs: { 'aria-labelledby': 'questions-heading' } });
root.append(head, message, deals, ask, questions);

// --- the question form: built once so focus and text survive every snapshot ---
const askButton = button(BeforeState.askSales, () => setFormOpen(!persisted.formOpen), { key: 'ask' });
askButton.setAttribute('aria-controls', 'ask-form');
// dir="auto": a question typed in another script than the page's keeps its own direction.
const textarea = h('textarea', { attrs: { id: 'question', rows: '5', dir: 'auto', placeholder: BeforeState.questionPlaceholder } });
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
const sendButton = button(BeforeState.sendToSales, () => send(), { key: 'send' });
const cancelButton = button(BeforeState.cancel, () => setFormOpen(false), { secondary: true });
const formStatus = h('p', { class: 'form-status', attrs: { role: 'status', 'aria-live': 'polite' } });
const questionLabel = h('label', { text: BeforeState.question, attrs: { for: 'question' } });
const form = h(
  'form',
  { attrs: { id: 'ask-form', 'aria-label': BeforeState.questionForm } },
  questionLabel,
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
    formStatus.textContent = state.strings.typeQuestionFirst;
    formStatus.className = 'form-status error';
    textarea.focus();
    return;
  }
  sending = true;
  formStatus.textContent = state.strings.sending;
  formStatus.className = 'form-status';
  renderAsk();
  post({ type: 'sendQuestion', text: textarea.value, includeSelection: selectionBox.checked && !!state.ask.selection });
}

function renderAsk(): void {
  const enabled = !!state?.ask.enabled;
  ask.hidden = !state?.ticket;
  askButton.disabled = !enabled;
  askButton.setAttribute('aria-expanded', String(persisted.formOpen && enabled));
  askButton.title = enabled && state ? state.strings.askTitle : state?.ask.reason ?? '';
  form.hidden = !(persisted.formOpen && enabled);
  sendButton.disabled = sending;
  textarea.readOnly = sending;
  const sel = state?.ask.selection;
  selectionRow.hidden = !sel;
  selectionLabel.replaceChildren(...(sel && state ? fillIn(state.strings.includeSelection, [iso(sel)]) : []));
  const routes = state?.ask.routes;
  routesNote.replaceChildren(...(routes && state ? fillIn(state.strings.goesTo, [iso(routes)]) : []));
}

// --- snapshot rendering ---

/** Sets a text only when it changed: an unchanged snapshot leaves the DOM alone. */
function setText(el: HTMLElement, text: string): void {
  if (el.textContent !== text) el.textContent = text;
}

function setAttr(el: HTMLElement, name: string, value: string): void {
  if (el.getAttribute(name) !== value) el.setAttribute(name, value);
}

/** The page's language and direction, and the words of the parts built once. */
function applyLanguage(s: SidebarState): void {
  const html = document.documentElement;
  if (typeof s.lang === 'string' && s.lang && html.lang !== s.lang) {
    html.lang = s.lang;
    // A message left from the form in the previous language would stay in it.
    if (formStatus.textContent && formStatus.textContent !== s.strings.sending) formStatus.textContent = '';
  }
  const dir = s.dir === 'rtl' ? 'rtl' : 'ltr';
  if (html.dir !== dir) html.dir = dir;
  const w = s.strings;
  setAttr(deals, 'aria-label', w.customers);
  setAttr(ask, 'aria-label', w.askSales);
  setText(askButton, w.askSales);
  setAttr(textarea, 'placeholder', w.questionPlaceholder);
  setAttr(form, 'aria-label', w.questionForm);
  setText(questionLabel, w.question);
  setText(sendButton, w.sendToSales);
  setText(cancelButton, w.cancel);
}

function stateLabel(q: QuestionState, w: SidebarStrings): string {
  switch (q) {
    case 'Queued':
      return w.stateQueued;
    case 'Sent':
      return w.stateSent;
    case 'Failed':
      return w.stateFailed;
    case 'Answered':
      return w.stateAnswered;
    default:
      return q;
  }
}

/** `a · b · c` from parts that may hold elements. */
function dotted(parts: ReadonlyArray<ReadonlyArray<Node | string>>): Array<Node | string> {
  return parts.flatMap((p, i) => (i ? [' · ', ...p] : [...p]));
}

function renderHead(s: SidebarState): void {
  const w = s.strings;
  head.replaceChildren();
  if (!s.ticket) {
    if (s.branch) head.append(h('p', { class: 'muted small' }, ...fillIn(w.branchLine, [iso(s.branch)])));
    return;
  }
  const t = s.ticket;
  const key = t.hasUrl ? actionLink(t.key, fillText(w.openTicket, t.key), () => post({ type: 'openTicket' }), 'ticket') : iso(t.key, 'ltr');
  key.dir = 'ltr';
  const title = h('h2', {}, key);
  if (t.title) title.append(h('span', { class: 'title' }, ' ', iso(t.title)));
  head.append(title);
  const meta: Array<Array<Node | string>> = [];
  if (t.status) meta.push([iso(t.status)]);
  if (s.branch) meta.push(fillIn(w.branchMeta, [iso(s.branch, 'ltr')]));
  if (t.overridden) meta.push([w.setByHand]);
  if (meta.length) head.append(h('p', { class: 'muted small' }, ...dotted(meta)));
  if (s.salesSees) {
    // What sales has been told (progress notes on the deals): one line, and why a note is not out.
    const box = h('div', { class: 'sales-sees', attrs: { role: 'group', 'aria-label': w.progressNotes } });
    box.append(h('p', { class: 'small', text: s.salesSees.text }));
    if (s.salesSees.detail) box.append(h('p', { class: s.salesSees.failed ? 'small error' : 'small muted', text: s.salesSees.detail }));
    head.append(box);
  }
}

function renderMessage(s: SidebarState): void {
  const w = s.strings;
  message.replaceChildren();
  if (s.refreshing) message.append(h('p', { class: 'muted small', attrs: { role: 'status' }, text: w.refreshing }));
  if (s.stale) message.append(h('p', { class: 'banner warn', attrs: { role: 'status' }, text: s.stale }));
  if (s.headline) {
    const isError = ['error', 'invalidData', 'notConfigured', 'ticketNotFound', 'gitUnavailable'].includes(s.status);
    message.append(h('p', { class: isError ? 'headline error' : 'headline', attrs: isError ? { role: 'alert' } : {}, text: s.headline }));
  }
  // A vendor's message (often English) may stand in the detail: its own direction, not the page's.
  if (s.detail) message.append(h('p', { class: 'detail', text: s.detail, attrs: { dir: 'auto' } }));
  if (s.problems.length) {
    const list = h('ul', { class: 'problems', attrs: { 'aria-label': w.dataFileProblems } });
    for (const p of s.problems) {
      list.append(h('li', { attrs: { dir: 'auto' } }, h('code', { text: p.path, attrs: { dir: 'ltr' } }), `: ${p.message}`));
    }
    message.append(list);
  }
  if (s.action) {
    const id = s.action.id;
    message.append(button(s.action.label, () => post({ type: 'action', action: id }), { key: `action-${id}` }));
  }
  if (s.warnings.length) {
    const list = h('ul', { class: 'warnings', attrs: { 'aria-label': w.warnings } });
    for (const warning of s.warnings) list.append(h('li', { text: warning, attrs: { dir: 'auto' } }));
    message.append(list);
  }
}

function renderDeals(s: SidebarState): void {
  const w = s.strings;
  deals.replaceChildren();
  if (s.summary) {
    const sum = s.summary;
    const box = h('div', { class: 'summary', attrs: { role: 'group', 'aria-label': w.totalAtStake } });
    const label = (text: string) => h('span', { class: 'label', text });
    box.append(h('p', { class: 'total' }, ...fillIn(w.totalAtStakeLine, [iso(sum.totals.join(' + '))], label)));
    box.append(h('p', { class: 'muted small', text: sum.text }));
    if (sum.earliestClose) {
      const ec = sum.earliestClose;
      const line = ec.relative ? fillIn(w.earliestCloseRelative, [ec.date, ec.relative]) : fillIn(w.earliestClose, [ec.date]);
      box.append(h('p', { class: ec.overdue ? 'small overdue' : 'small' }, ...line));
    }
    deals.append(box);
  }
  if (!s.deals.length) return;
  const showAll = !!s.ticket && persisted.showAllFor === s.ticket.key;
  const shown = showAll ? s.deals : s.deals.slice(0, DealsShownFirst);
  const list = h('ul', { class: 'deal-list', attrs: { 'aria-label': w.deals } });
  for (const d of shown) {
    const li = h('li', { class: 'deal' });
    // Names, stages and amounts are data in any script: each keeps its own direction.
    li.append(h('h3', {}, iso(d.customer))); // aligned with the page, read in its own direction
    const dl = h('dl');
    const row = (term: string, ...value: Array<Node | string>) => dl.append(h('dt', { text: term }), h('dd', {}, ...value));
    if (d.amount) row(w.amount, iso(d.amount));
    if (d.stage) row(w.stage, iso(d.stage));
    if (d.closeDate) {
      const rel = d.closeRelative ? h('span', { class: d.overdue ? 'overdue' : 'muted', text: ` (${d.closeRelative})` }) : '';
      row(w.closeDate, d.closeDate, rel);
    }
    if (d.owner) {
      const parts: Array<Node | string> = [iso(d.owner.name)];
      if (d.owner.email) {
        const mail = actionLink(d.owner.email, fillText(w.mailOwner, d.owner.name), () => post({ type: 'mailOwner', dealId: d.id }), `mail-${d.id}`);
        mail.dir = 'ltr';
        parts.push(' · ', mail);
      }
      row(w.salesOwner, ...parts);
    }
    li.append(dl);
    if (d.hasUrl) li.append(actionLink(w.openInCrm, fillText(w.openDeal, d.customer), () => post({ type: 'openDeal', dealId: d.id }), `deal-${d.id}`));
    list.append(li);
  }
  deals.append(list);
  if (s.deals.length > shown.length) {
    deals.append(button(w.showAll, () => {
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
  const w = s.strings;
  questions.replaceChildren();
  questions.hidden = !s.ticket;
  questions.append(h('h3', { text: w.questions, attrs: { id: 'questions-heading' } }));
  if (!s.questions.length) {
    questions.append(h('p', { class: 'muted small', text: w.noQuestions }));
    return;
  }
  const list = h('ul', { class: 'question-list', attrs: { 'aria-label': w.questions } });
  for (const q of s.questions) {
    const li = h('li', { class: 'question' });
    li.append(h('p', { class: 'q-text', text: q.text, attrs: { dir: 'auto' } }));
    li.append(h('p', { class: 'small' }, h('span', { class: `state state-${q.state.toLowerCase()}`, text: stateLabel(q.state, w) }), ` · ${q.createdAt}`));
    if (q.detail) li.append(h('p', { class: q.state === 'Failed' ? 'small error' : 'small muted', text: q.detail, attrs: { dir: 'auto' } }));
    if (q.answer) {
      const a = h('blockquote', { class: 'answer', attrs: { 'aria-label': w.answer } });
      a.append(h('p', { text: q.answer.text, attrs: { dir: 'auto' } }));
      const by: Array<Node | string> = [];
      if (q.answer.by) by.push(iso(q.answer.by));
      if (q.answer.at) by.push(q.answer.at);
      if (by.length) a.append(h('p', { class: 'small muted' }, '— ', ...by.flatMap((x, i) => (i ? [', ', x] : [x]))));
      li.append(a);
    }
    if (q.state === 'Failed' && !q.foreign) {
      li.append(h('div', { class: 'row' },
        button(w.retry, () => post({ type: 'retryQuestion', id: q.id }), { key: `retry-${q.id}`, label: w.retryLabel }),
        button(w.discard, () => post({ type: 'discardQuestion', id: q.id }), { key: `discard-${q.id}`, secondary: true, label: w.discardLabel })));
    }
    list.append(li);
  }
  questions.append(list);
}

function render(s: SidebarState): void {
  const focusedKey = (document.activeElement as HTMLElement | null)?.dataset?.key;
  state = s;
  if (s.ticket) switchTicket(s.ticket.key);
  applyLanguage(s);
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
