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

/** Everything the sidebar renders; plain JSON. */
export interface SidebarState {
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
