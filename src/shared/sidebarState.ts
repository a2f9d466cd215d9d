// What the host sends the sidebar to render: plain JSON, already in words. Shared by the view model
// (which builds it) and the webview (which only renders it), so it depends on nothing but shared.
import type { ViewAction } from './sidebarActions';

export type { ViewAction } from './sidebarActions';

/** Where the session is, from "no folder" to "ready". */
export type ViewStatus =
  | 'noFolder'
  | 'noGit'
  | 'gitUnavailable'
  | 'detached'
  | 'noTicket'
  | 'loading'
  | 'notConfigured'
  | 'invalidData'
  | 'ticketNotFound'
  | 'error'
  | 'ready';

/** Question states as the contract names them (the outbox derives one from each entry). */
export type QuestionState = 'Queued' | 'Sent' | 'Failed' | 'Answered';

/** A milestone of work on a ticket that sales can be told about (contract order). */
export type ProgressMilestone = 'started' | 'in review' | 'merged' | 'released';

/** What sales has been told of one milestone of the ticket: facts, put into words by the view model. */
export interface ProgressMark {
  milestone: ProgressMilestone;
  /** Epoch ms of the first delivery to a deal; absent while none has arrived. */
  sentAt?: number;
  /** Some deal's note is still queued or being sent. */
  waiting?: boolean;
  /** Why some deal's note failed (it waits for Manage Progress Notes → Retry). */
  failed?: string;
}

/** A question as listed under the ticket. */
export interface QuestionItem {
  id: string;
  text: string;
  createdAt: string;
  state: QuestionState;
  /** Failure reason, or where it was sent. */
  detail?: string;
  answer?: { text: string; by?: string; at?: string };
  /** Asked by someone else (read from the shared inbox), so this window cannot retry it. */
  foreign?: boolean;
  /**
   * Set on the one item per milestone that carries progress notes instead of a question: the view
   * model turns these into `SidebarState.salesSees` and never lists them under Questions.
   */
  progress?: ProgressMark;
}

/** A problem in the data file, located by its JSON path. */
export interface ValidationProblem {
  /** Dotted JSON path, `(root)` for the document itself. */
  path: string;
  message: string;
}

/** One deal as the sidebar shows it. */
export interface DealView {
  id: string;
  customer: string;
  amount?: string;
  stage?: string;
  closeDate?: string;
  closeRelative?: string;
  overdue: boolean;
  owner?: { name: string; email?: string };
  hasUrl: boolean;
}

/**
 * The sidebar's own words in the reader's language, put into words by the host (the webview has no
 * translator). `{0}` marks where the webview puts data (a name, a key, a date), isolated for bidi.
 */
export interface SidebarStrings {
  /** Accessible name of the deals section. */
  customers: string;
  /** The Ask sales button and the accessible name of its section. */
  askSales: string;
  /** The Ask sales button's tooltip while questions can be asked. */
  askTitle: string;
  /** Accessible name of the question form. */
  questionForm: string;
  /** The label of the question's text box. */
  question: string;
  questionPlaceholder: string;
  /** `Include selected code ({0})`, {0} = file and lines. */
  includeSelection: string;
  /** `Goes to: {0}`, {0} = the routes. */
  goesTo: string;
  sendToSales: string;
  cancel: string;
  typeQuestionFirst: string;
  sending: string;
  /** `Branch: {0}` (no ticket). */
  branchLine: string;
  /** `branch {0}` (in the ticket's line). */
  branchMeta: string;
  setByHand: string;
  /** `Open ticket {0} in the browser`, {0} = the key. */
  openTicket: string;
  progressNotes: string;
  refreshing: string;
  dataFileProblems: string;
  warnings: string;
  /** Accessible name of the summary box. */
  totalAtStake: string;
  /** `Total at stake: {0}`, {0} = the totals. */
  totalAtStakeLine: string;
  /** `Earliest close: {0}`, {0} = the date. */
  earliestClose: string;
  /** `Earliest close: {0} ({1})`, {1} = the relative day. */
  earliestCloseRelative: string;
  deals: string;
  amount: string;
  stage: string;
  closeDate: string;
  salesOwner: string;
  /** `E-mail {0}`, {0} = the owner's name. */
  mailOwner: string;
  openInCrm: string;
  /** `Open the {0} deal in the CRM`, {0} = the customer. */
  openDeal: string;
  /** `Show all 500 deals`, for this state's deal count. */
  showAll: string;
  questions: string;
  noQuestions: string;
  answer: string;
  retry: string;
  retryLabel: string;
  discard: string;
  discardLabel: string;
  stateQueued: string;
  stateSent: string;
  stateFailed: string;
  stateAnswered: string;
}

/** Everything the sidebar renders; plain JSON. */
export interface SidebarState {
  /** The language of the words (`en`, `ru`, `ar`), for `<html lang>`. */
  lang: string;
  /** `rtl` for Arabic, for `<html dir>`. */
  dir: 'ltr' | 'rtl';
  /** The page's own labels in that language. */
  strings: SidebarStrings;
  status: ViewStatus;
  /** One sentence for the state (empty for ready). */
  headline: string;
  detail?: string;
  action?: { id: ViewAction; label: string };
  branch?: string;
  ticket?: { key: string; title?: string; status?: string; hasUrl: boolean; overridden: boolean };
  deals: DealView[];
  summary?: {
    customers: number;
    /** "2 customers, 3 deals". */
    text: string;
    totals: string[];
    earliestClose?: { date: string; relative?: string; overdue: boolean };
  };
  privacy: boolean;
  /** "Offline — showing data from 10:42". */
  stale?: string;
  /** A fetch is running behind the data shown. */
  refreshing: boolean;
  problems: ValidationProblem[];
  warnings: string[];
  questions: QuestionItem[];
  ask: { enabled: boolean; reason?: string; routes: string; selection?: string };
  /**
   * What sales has been told about the ticket's progress: "Sales sees: started 3 Dec, in review
   * 5 Dec", and what is still waiting or failed. Absent when no progress note exists for it.
   */
  salesSees?: { text: string; detail?: string; failed: boolean };
}
