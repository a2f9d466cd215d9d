// The HTTP half of the extension, built as its own bundle (dist/remote.js) and loaded on first use, so a
// workspace on the embedded data file never loads axios or any vendor client. One transport for every
// vendor (shared keep-alive sockets, redirects never followed, a request budget per origin) and one
// client per (vendor, origin, settings), shared by the vendor's provider and its question sender.
import axios from 'axios';
import { type HttpClient, type HttpTransport, type ProviderHttpOptions, createHttpClient, isLoopbackHost } from '../core/http';
import type { RemoteHalf } from '../core/providers/compose';
import { RemoteFactories } from '../core/providers/registryFactories';
import { RequestBudget, budgetedTransport } from '../core/requestBudget';
import { axiosTransport } from './axiosTransport';
import { vendorMemory } from '../core/vendorMemory';

/**
 * One request budget per origin, shared by every client and webhook post: 120 a minute, room for the
 * worklist of a CRM that searches one ticket at a time (about 55 requests) next to the sidebar. This
 * machine's own addresses (a relay, a test server: only user settings can name them) are not counted.
 */
export const requestBudget = new RequestBudget({ limit: 120 });

/** The one-attempt transport every client and webhook post goes through, within the budget. */
export const transport: HttpTransport = budgetedTransport(axiosTransport(axios.create({ maxRedirects: 0 })), requestBudget, (origin) => {
  try {
    return isLoopbackHost(new URL(origin).hostname);
  } catch {
    return false;
  }
});

const clients = new Map<string, HttpClient>();

/** The remote half as core's composer sees it. */
export const remote: RemoteHalf & { clear(): void } = {
  factories: RemoteFactories,
  transport,
  memory: vendorMemory,
  client(key: string, options: ProviderHttpOptions): HttpClient {
    let c = clients.get(key);
    if (!c) clients.set(key, (c = createHttpClient(transport, { ...options, timeoutMs: 10_000, deadlineMs: 30_000 })));
    return c;
  },
  /** Forgets every client (settings or tokens changed): caches and coalescing start afresh. */
  clear(): void {
    clients.clear();
  },
};
