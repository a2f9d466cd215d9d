// Domain types shared by every tracker, CRM, the session and the view model. Plain data, no behaviour.

/** A person on the sales side who owns a deal. */
export interface SalesOwner {
  /** Display name, e.g. "Anna Petrova". */
  name: string;
  email?: string;
  /** Chat member id (U…) for an @mention, when a CRM property or the data file holds one. */
  slackId?: string;
  /** The owner's id in the CRM (its owner or user id). */
  crmId?: string;
}

/** One deal (opportunity) that depends on a ticket. */
export interface Deal {
  /** The CRM's id of the deal, unique within one CRM. */
  id: string;
  /** Company / account / organisation name. */
  customer: string;
  /** Amount in major units (120000 = $120K); undefined when the CRM has none. */
  amount?: number;
  /** ISO 4217 code, upper case. */
  currency?: string;
  /** Human stage label (never an internal pipeline id). */
  stage?: string;
  /** ISO date `YYYY-MM-DD`. */
  closeDate?: string;
  owner?: SalesOwner;
  /** Link to the deal in the CRM (https only; anything else is dropped before display). */
  url?: string;
}

/** A comment on a ticket, as the tracker returns it. */
export interface TicketComment {
  id: string;
  author: string;
  /** ISO timestamp. */
  created: string;
  /** Plain text (ADF and Markdown flattened). */
  text: string;
}

/** A ticket in a tracker, reduced to what the sidebar and the questions need. */
export interface Ticket {
  key: string;
  title: string;
  status?: string;
  url?: string;
  assignee?: string;
  labels: string[];
  /** Deal ids or CRM URLs the ticket carries (custom field, labels, links, attachments). */
  dealRefs: string[];
  comments: TicketComment[];
}

/** Everything known about the customers behind one ticket. */
export interface TicketContext {
  ticket: Ticket;
  deals: Deal[];
  /** Problems that did not stop the rest from showing (a CSV row skipped, one deal not found). */
  warnings: string[];
}
