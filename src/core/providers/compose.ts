// Settings → the tracker, the CRM and the question senders of a folder, through the registry. Knows no
// vendor by name: it looks each up by the id the settings hold and calls the factories its descriptor
// (or, for HTTP vendors, the lazily loaded remote half) provides.
import { ProviderError } from '../errors';
import type { HttpClient, HttpTransport, ProviderHttpOptions } from '../http';
import type { RouteSender, RouteSenders } from '../questions/sender';
import type { RouteName } from '../questions/question';
import { type Settings, credentialUrlProblem, vendorSettings } from '../settings';
import { vendorById } from './registry';
import type { Crm, TicketTracker } from './types';
import type { LocalFiles, TokenLookup, VendorContext, VendorDescriptor, VendorFactories } from './vendor';
import type { KeyValueStore } from '../store';
import type { vendorMemory } from '../vendorMemory';

/** A git remote as the Git extension reports it. */
export interface GitRemote {
  name: string;
  fetchUrl?: string;
  pushUrl?: string;
}

/** The HTTP half (dist/remote.js): factories of HTTP vendors and the shared clients. */
export interface RemoteHalf {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- each vendor's factories take its own settings type
  factories: Readonly<Record<string, VendorFactories<any>>>;
  /** The client for `key` (vendor, origin and settings), created once and shared by provider and sender. */
  client(key: string, options: ProviderHttpOptions): HttpClient;
  transport: HttpTransport;
  /** A vendor's memory across restarts (only HTTP vendors keep one, so it lives in this half). */
  memory: typeof vendorMemory;
}

/** What composing needs from the host. */
export interface ComposeEnv {
  files: LocalFiles;
  tokens: TokenLookup;
  webhook: (vendorId: string) => Promise<string | undefined>;
  remotes: () => readonly GitRemote[];
  /** Loads the HTTP half on first use. */
  remote: () => RemoteHalf;
  /** The process environment (the contract's variables); none when absent. */
  env?: (name: string) => string | undefined;
  /** Where vendors' memories are kept across restarts (globalState); none = nothing kept. */
  memory?: KeyValueStore;
}

function descriptor(id: string, setting: string): VendorDescriptor {
  const v = vendorById(id);
  if (!v) throw new ProviderError('notConfigured', `customerContext.${setting}: "${id}" is not a known service.`, { where: `customerContext.${setting}` });
  return v;
}

/** The URL setting that receives the vendor's token must be https (or loopback http). */
function checkCredentialUrl(v: VendorDescriptor, settings: Settings): void {
  if (v.credential?.kind !== 'token') return;
  const key = `${v.id}.${v.credential.urlSetting}`;
  const problem = credentialUrlProblem(`customerContext.${key}`, String((settings as Record<string, unknown>)[key] ?? ''));
  if (problem) throw new ProviderError('notConfigured', `${problem} Set it in your user settings or run "Configure Tracker and CRM…".`, { where: `customerContext.${key}` });
}

function factoriesOf(v: VendorDescriptor, env: ComposeEnv): VendorFactories<Record<string, unknown>> {
  return (v.remote || v.lazyFactories ? env.remote().factories[v.id] : v.factories) ?? {};
}

/** The context one vendor's factories get for a folder's settings. */
export function vendorContext(v: VendorDescriptor, settings: Settings, env: ComposeEnv): VendorContext {
  const own = vendorSettings(settings, v.id);
  const signature = JSON.stringify(own);
  return {
    files: env.files,
    settings: own,
    token: (url) => () => env.tokens(v.id, url),
    client: (options) => env.remote().client(`${v.id}|${options.baseUrl}|${signature}`, options),
    get transport() {
      return env.remote().transport;
    },
    webhook: () => env.webhook(v.id),
    env: (name) => env.env?.(name),
    repositoryFromRemote: (apiUrl) => repositoryFromRemotes(env.remotes(), apiUrl),
    memory: (url) => env.remote().memory(env.memory, v.id, url, () => env.tokens(v.id, url)),
  };
}

/** The folder's tracker; ProviderError('notConfigured') naming the setting when it cannot be built. */
export function buildTracker(settings: Settings, env: ComposeEnv): TicketTracker {
  const v = descriptor(settings.tracker, 'tracker');
  checkCredentialUrl(v, settings);
  const make = factoriesOf(v, env).tracker;
  if (!make) throw new ProviderError('notConfigured', `customerContext.tracker: ${v.label} provides no tickets.`, { where: 'customerContext.tracker' });
  return make(vendorContext(v, settings, env));
}

/** The folder's CRM; ProviderError('notConfigured') naming the setting when it cannot be built. */
export function buildCrm(settings: Settings, env: ComposeEnv): Crm {
  const v = descriptor(settings.crm, 'crm');
  checkCredentialUrl(v, settings);
  const make = factoriesOf(v, env).crm;
  if (!make) throw new ProviderError('notConfigured', `customerContext.crm: ${v.label} provides no deals.`, { where: 'customerContext.crm' });
  return make(vendorContext(v, settings, env));
}

/** The vendor that carries a route for these settings: the CRM's, the tracker's, or the chat vendor. */
export function routeVendor(route: RouteName, settings: Settings): VendorDescriptor | undefined {
  if (route === 'crm') return vendorById(settings.crm);
  if (route === 'ticketComment') return vendorById(settings.tracker);
  return vendorById(route);
}

/** A route as people read it: "CRM", "ticket comment", or the chat vendor's name. */
export function routeLabel(route: RouteName): string {
  return route === 'crm' ? 'CRM' : route === 'ticketComment' ? 'ticket comment' : (vendorById(route)?.label ?? route);
}

/** Why these routes cannot take a question with these settings (before it is saved), or undefined. */
export function routeProblem(routes: readonly RouteName[], settings: Settings): string | undefined {
  for (const route of routes) {
    const v = routeVendor(route, settings);
    if (!v || v.remote || v.manualRoute || v.factories?.sender || (route === 'crm' && v.dataFile)) continue;
    const setting = route === 'crm' ? 'customerContext.crm' : 'customerContext.tracker';
    return `${v.label} cannot receive questions on the ${routeLabel(route)} route (${setting}): choose other routes in customerContext.questions.routes.`;
  }
  return undefined;
}

/** A sender that explains why a route cannot send: the question fails with the reason, never waits silently. */
export function unconfiguredSender(message: string, where?: string): RouteSender {
  return {
    send: async () => {
      throw new ProviderError('notConfigured', `Not configured: ${message}`, { where });
    },
  };
}

/**
 * Senders for the folder's HTTP routes. A route whose vendor has no sender here, or whose sender cannot
 * be built (a missing setting), gets one that fails with "Not configured: …". The data file's inbox and
 * manual routes (mail) are left to the caller.
 */
export function buildSenders(settings: Settings, env: ComposeEnv): RouteSenders {
  const senders: RouteSenders = {};
  for (const route of new Set(settings['questions.routes'])) {
    const v = routeVendor(route, settings);
    if (v?.manualRoute || (route === 'crm' && v?.dataFile)) continue;
    if (!v) {
      senders[route] = unconfiguredSender(`"${route}" is not a known route.`, 'customerContext.questions.routes');
      continue;
    }
    const make = v.remote ? factoriesOf(v, env).sender : v.factories?.sender;
    if (!make) {
      senders[route] = unconfiguredSender(`${v.label} cannot receive questions; choose another route in customerContext.questions.routes.`, 'customerContext.questions.routes');
      continue;
    }
    try {
      checkCredentialUrl(v, settings);
      senders[route] = Object.assign(make(vendorContext(v, settings, env)), { vendor: v.id });
    } catch (e) {
      const err = e instanceof ProviderError ? e : new ProviderError('notConfigured', String((e as Error)?.message ?? e));
      senders[route] = unconfiguredSender(err.message, err.details.where);
    }
  }
  return senders;
}

/**
 * The sender of progress notes (`Question.kind === 'progress'`, route `crm`) for the folder's CRM: its
 * vendor's `progress` factory. A CRM without one, or whose sender cannot be built, gets a sender that
 * fails with "Not configured: …" naming why, so a note never waits silently. The data file's inbox is
 * left to the caller (the item names its inbox file), like buildSenders leaves its questions.
 */
export function buildProgressSender(settings: Settings, env: ComposeEnv): RouteSender {
  const where = 'customerContext.crm';
  const v = vendorById(settings.crm);
  if (!v) return unconfiguredSender(`customerContext.crm: "${settings.crm}" is not a known service.`, where);
  if (v.dataFile) {
    return unconfiguredSender(`${v.label}: this progress note names no inbox file; it cannot be delivered.`, where);
  }
  const make = v.remote ? factoriesOf(v, env).progress : v.factories?.progress;
  if (!make) return unconfiguredSender(`${v.label} cannot receive progress notes.`, where);
  try {
    checkCredentialUrl(v, settings);
    return make(vendorContext(v, settings, env));
  } catch (e) {
    const err = e instanceof ProviderError ? e : new ProviderError('notConfigured', String((e as Error)?.message ?? e));
    return unconfiguredSender(err.message, err.details.where ?? where);
  }
}

/**
 * `owner/repo` (or `group/sub/project`) of the first remote on the forge whose API URL is `apiUrl`
 * (`https://api.HOST` → HOST; `https://HOST/api/v3` or `/api/v4` → HOST). `origin` first.
 */
export function repositoryFromRemotes(remotes: readonly GitRemote[], apiUrl: string): string | undefined {
  let apiHost: string;
  try {
    apiHost = new URL(apiUrl).hostname.toLowerCase().replace(/^api\./, '');
  } catch {
    return undefined;
  }
  const ordered = [...remotes].sort((a, b) => (a.name === 'origin' ? -1 : b.name === 'origin' ? 1 : 0));
  for (const r of ordered) {
    const url = (r.fetchUrl ?? r.pushUrl ?? '').slice(0, 2048);
    const m = /^(?:https?:\/\/(?:[^@/]+@)?|ssh:\/\/(?:[^@/]+@)?|[^@/:]+@)([^/:]+)(?::\d+)?[/:]((?:[\w.-]+\/)+[\w.-]+?)(?:\.git)?\/?$/.exec(url);
    if (m && m[1].toLowerCase() === apiHost) return m[2];
  }
  return undefined;
}
