// The only contract between the extension host and the sidebar webview. The webview imports types only,
// so zod never reaches the browser bundle; the host validates every message on arrival.
import * as z from 'zod/mini';
import { ViewActions } from './sidebarActions';
import type { SidebarState } from './sidebarState';

/** Messages the extension sends to the sidebar. */
export type ToWebview =
  /** Full state snapshot; the webview re-renders from it. */
  | { type: 'state'; state: SidebarState }
  /** Opens the question form and focuses it (from the askSales command). */
  | { type: 'openAskForm' }
  /** Outcome of a sendQuestion; on failure the typed text stays in the form. */
  | { type: 'sendResult'; ok: true; message: string }
  | { type: 'sendResult'; ok: false; message: string };

/** Longest question text accepted from the webview (the core limit is checked again with a message). */
const MaxText = 20_000;
const Id = z.string().check(z.maxLength(200));

/** Messages the sidebar sends to the extension; parsed with zod on arrival. */
export const FromWebview = z.discriminatedUnion('type', [
  /** The page loaded and wants the first snapshot. */
  z.object({ type: z.literal('ready') }),
  z.object({ type: z.literal('refresh') }),
  z.object({ type: z.literal('openTicket') }),
  z.object({ type: z.literal('openDeal'), dealId: Id }),
  z.object({ type: z.literal('mailOwner'), dealId: Id }),
  /** Runs one of the state's follow-up actions. */
  z.object({
    type: z.literal('action'),
    action: z.enum(ViewActions),
  }),
  z.object({
    type: z.literal('sendQuestion'),
    text: z.string().check(z.maxLength(MaxText)),
    includeSelection: z.boolean(),
  }),
  z.object({ type: z.literal('retryQuestion'), id: Id }),
  z.object({ type: z.literal('discardQuestion'), id: Id }),
]);
export type FromWebview = z.infer<typeof FromWebview>;
