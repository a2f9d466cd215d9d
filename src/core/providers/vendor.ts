// What one vendor folder exports: a descriptor (plain data plus small pure functions, in the main
// bundle) and, for vendors reached over HTTP, factories (in the lazily loaded remote bundle). Settings
// enums, token specs, quick-picks, deal-URL hosts, route lists and the package.json check all loop over
// the descriptors in registry.ts; nothing outside a vendor's folder and the registry names it.
import type * as z from 'zod/mini';
import type { ProviderErrorKind } from '../errors';
import type { HttpClient, HttpTransport, ProviderHttpOptions, TokenSource } from '../http';
import type { RouteSender } from '../questions/sender';
import type { Question, RouteName } from '../questions/question';
import type { DataFileSource } from '../dataFile';
import type { Crm, TicketTracker } from './types';
import type { VendorMemory } from '../vendorMemory';

/** What a vendor provides. A chat vendor serves the question route named like itself. */
export type VendorKind = 'tracker' | 'crm' | 'chat';

/** One setting a vendor owns, `customerContext.<vendor>.<name>`. */
export interface VendorSetting<T = unknown> {
  schema: z.ZodMiniType<T>;
  default: T;
  /** `machine` for every value that decides where a credential goes (read from user settings only). */
  scope: 'machine' | 'resource';
}

/** A chat webhook: a secret URL (stored like a token), how it is pinned and how its answers read. */
export interface WebhookSpec {
  /** The environment variable that may hold the URL instead (`CUSTOMER_CONTEXT_<VENDOR>_WEBHOOK_URL`). */
  env: string;
  /** Human name in messages. */
  name: string;
  /** Whether a webhook URL may point at this host (lower-case): the URL is a secret. */
  isHost(host: string): boolean;
  /** What the "not a webhook host" message suggests instead, e.g. `a … webhook URL, https://hooks.…`. */
  expected: string;
  /**
   * Vendor-specific reading of an answer before the status decides: a kind (`auth` for a revoked
   * webhook, `rateLimited` for throttling hidden in a 200 body), or undefined.
   */
  classify?(status: number, body: string, vendorWord: string | undefined): ProviderErrorKind | undefined;
}

/** A vendor's API token, bound to the origin of its URL setting (a webhook URL is WebhookSpec's). */
export type VendorCredential = {
  kind: 'token';
  /** The token's environment variable (`CUSTOMER_CONTEXT_<VENDOR>_TOKEN`). */
  env: string;
  /** The variable naming the only origin the environment token is sent to. */
  envUrl: string;
  /** The vendor's (machine-scoped) setting whose origin the token is bound to. */
  urlSetting: string;
  /**
   * A token made of parts (a self-client's id, secret and refresh token), when `env` is unset: each
   * field from its variable, the token being their JSON object. Bound to the same origin.
   */
  envParts?: Readonly<Record<string, string>>;
};

/** The data half of a vendor; `S` maps its setting names (without the vendor prefix) to types. */
export interface VendorDescriptor<Id extends string = string, S extends Record<string, unknown> = Record<string, unknown>> {
  readonly id: Id;
  /** Human name, as in quick picks and messages. */
  readonly label: string;
  /** A few words under the label in quick picks. */
  readonly description?: string;
  readonly kinds: readonly VendorKind[];
  /** Reached over HTTP: its factories live in the remote bundle (registryFactories.ts). */
  readonly remote: boolean;
  /**
   * Needs no HTTP, but its factories are large and few users need them (a CSV parser): they live in
   * the remote bundle too and load on first use, keeping dist/extension.js within its budget.
   */
  readonly lazyFactories?: boolean;
  readonly settings: { readonly [K in keyof S]: VendorSetting<S[K]> };
  readonly credential?: VendorCredential;
  /** Host names (and their subdomains) whose links are this CRM's deal links. */
  readonly dealUrlHosts?: readonly string[];
  /** A tracker whose issues are numbers (`#123`): the leading number of a branch name wins. */
  readonly numericKeys?: boolean;
  readonly webhook?: WebhookSpec;
  /** Reads the embedded data file; questions on its `crm` route go to the inbox file next to it. */
  readonly dataFile?: boolean;
  /** A route the user completes by hand (mail): no sender; the UI opens this URL and marks it sent. */
  readonly manualRoute?: { url(q: Question): string };
  /** Extra questions *Configure* asks after the URL, saved in user settings. */
  readonly configure?: readonly VendorPrompt[];
  /** Where to find or create the token in the vendor's own UI (shown when it is asked for). */
  readonly tokenHelp?: string;
  /** The token input box's prompt, when the default one is not precise enough. */
  tokenPrompt?(settings: S, origin: string): string | undefined;
  /** Factories of a vendor that needs no HTTP (in the main bundle); remote ones: registryFactories.ts. */
  readonly factories?: VendorFactories<S>;
}

/** One extra *Configure* question: a pick from `options`, or free text. */
export interface VendorPrompt {
  setting: string;
  title: string;
  options?: readonly string[];
  /** A file chosen in an open dialog, with these filters (`{ Text: ['txt'] }`). */
  files?: Record<string, string[]>;
  /** Asked only when another of the vendor's settings has this value. */
  when?: { setting: string; is: string };
}

/** The settings type of a descriptor (without the vendor prefix). */
export type VendorSettingsOf<V> = V extends VendorDescriptor<string, infer S> ? S : never;

/** Looks a vendor's token up for a URL (SecretStorage or the contract's environment variables). */
export type TokenLookup = (vendor: string, url: string) => Promise<string | undefined>;

/** The files a folder's local vendors read (the VS Code layer watches and caches them). */
export interface LocalFiles {
  /** The cached parse of the data file. */
  dataFile: DataFileSource;
  /** The data file's path as shown to people (relative to the folder). */
  dataFileLabel: string;
  /** Absolute path of a folder-relative setting value. */
  resolve(file: string): string;
  /**
   * Reads a followed file (an export), named by the vendor's setting `setting` (`file` under the
   * vendor's prefix) and described to people as `what`: outside the workspace only when the user's
   * own settings chose it. Refusals are ProviderErrors naming the file and the setting.
   */
  readText(file: string, opts: { setting: string; what: string }): Promise<string>;
}

/** Everything a factory may use; built per folder by the VS Code layer. */
export interface VendorContext<S = Record<string, unknown>> {
  files: LocalFiles;
  /** The vendor's own settings, without its prefix (`baseUrl`, `dealField`). */
  settings: S;
  /** The token for the vendor's credential origin, read on each request. */
  token: (url: string) => TokenSource;
  /** The shared HTTP client for these options (one per vendor, origin and options). */
  client: (options: ProviderHttpOptions) => HttpClient;
  /** The one-attempt transport (webhooks). */
  transport: HttpTransport;
  /** The webhook URL of a chat vendor, if set. */
  webhook: () => Promise<string | undefined>;
  /** An environment variable of the contract (containers and CI), read through the host. */
  env: (name: string) => string | undefined;
  /** `owner/repo` parsed from the repository's git remote for the forge whose API URL is `apiUrl`. */
  repositoryFromRemote: (apiUrl: string) => string | undefined;
  /** What the vendor remembers across restarts about the account behind `url` and its token. */
  memory: (url: string) => VendorMemory;
}

/** The HTTP half of a vendor. */
export interface VendorFactories<S = Record<string, unknown>> {
  tracker?(ctx: VendorContext<S>): TicketTracker;
  crm?(ctx: VendorContext<S>): Crm;
  /** The sender for the route this vendor serves (`crm`, `ticketComment`, or its chat route). */
  sender?(ctx: VendorContext<S>): RouteSender;
  /**
   * The sender of progress notes, for CRMs: `send` posts ONE short note on the deal `q.deals[0]` of a
   * progress item (`q.kind === 'progress'`, `q.milestone`, the note in `q.text`: plain text for a
   * salesperson, never code) with the marker `cc-question:<q.id>`; `reconcile` finds it by that
   * marker. No `answer`. Without it, progress notes to this CRM fail as "Not configured".
   */
  progress?(ctx: VendorContext<S>): RouteSender;
}

/** A question route: the configured CRM's, the tracker's comment, or a chat vendor's own. */
export type { RouteName };

/** Declares a descriptor with its setting types inferred. */
export function defineVendor<Id extends string, S extends Record<string, unknown>>(d: VendorDescriptor<Id, S>): VendorDescriptor<Id, S> {
  return d;
}

/** A setting entry, typed from its schema. */
export function setting<T>(schema: z.ZodMiniType<T>, def: T, scope: 'machine' | 'resource' = 'resource'): VendorSetting<T> {
  return { schema, default: def, scope };
}
