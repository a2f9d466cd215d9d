// API tokens: in SecretStorage, each bound to the origin it was entered for; or, for dev containers and
// CI, from the contract's environment variables, used only for the origin they name. Which vendors have
// a credential, and its variables, come from the vendor registry.
import * as vscode from 'vscode';
import { originOf, secretKey, tokenFor } from '../core/credentials';
import { CredentialVendors, vendorById } from '../core/providers/registry';
import type { Settings } from '../core/settings';

const IndexKey = 'token-index';

/** The user-level URL a vendor's token is bound to, from the (machine-scoped) settings. */
export function credentialUrl(vendorId: string, settings: Settings): string | undefined {
  const c = vendorById(vendorId)?.credential;
  return c?.kind === 'token' ? String((settings as Record<string, unknown>)[`${vendorId}.${c.urlSetting}`] ?? '') : undefined;
}

export class TokenStore implements vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<string>();
  readonly onDidChange = this.changed.event;
  private readonly subscription: vscode.Disposable;
  /** Index updates of this window, one at a time. */
  private indexQueue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly secrets: vscode.SecretStorage,
    private readonly env: NodeJS.ProcessEnv = process.env,
  ) {
    this.subscription = secrets.onDidChange((e) => {
      const m = /^token:(\w+):/.exec(e.key);
      if (!m || !CredentialVendors.some((v) => v.id === m[1])) return;
      // Another window may have stored this key while we rewrote the index: make sure it is listed.
      void this.secrets.get(e.key).then((value) => (value ? this.addToIndex(e.key) : undefined));
      this.changed.fire(m[1]);
    });
  }

  /**
   * The token for `vendor` at `url`'s origin. The environment variable applies only when its origin
   * variable (or, unset, the user-level URL setting) names this same origin.
   */
  async get(vendor: string, url: string, settings: Settings): Promise<string | undefined> {
    const c = vendorById(vendor)?.credential;
    if (c?.kind !== 'token') return undefined;
    const parts = c.envParts && Object.entries(c.envParts).map(([k, v]) => [k, this.env[v]] as const);
    const fromParts = parts?.every(([, v]) => v) ? JSON.stringify(Object.fromEntries(parts)) : undefined;
    return tokenFor(vendor, url, {
      envToken: this.env[c.env] || fromParts,
      envUrl: this.env[c.envUrl],
      userLevelUrl: credentialUrl(vendor, settings),
      secret: (key) => Promise.resolve(this.secrets.get(key)),
    });
  }

  /** The environment variable that sets this vendor's token (it wins for its origin), if set. */
  envSets(vendor: string): string | undefined {
    const c = vendorById(vendor)?.credential;
    if (!c) return undefined;
    if (this.env[c.env]) return c.env;
    const parts = c.envParts ? Object.values(c.envParts) : [];
    return parts.length && parts.every((v) => this.env[v]) ? parts.join(', ') : undefined;
  }

  async set(vendor: string, url: string, token: string): Promise<void> {
    const origin = originOf(url);
    if (!origin) throw new Error(`Not a URL: ${url}`);
    await this.secrets.store(secretKey(vendor, origin), token);
    await this.addToIndex(secretKey(vendor, origin));
  }

  /**
   * Adds a key to the index of stored secrets. Two windows can rewrite the index at once and drop each
   * other's key: so each write is read back and repeated until the key is there, and every window adds
   * the keys it sees stored (onDidChange above), so *Remove Stored Tokens* finds them all.
   */
  private addToIndex(key: string): Promise<void> {
    const run = async () => {
      for (let attempt = 0; attempt < 5; attempt++) {
        const index = await this.readIndex();
        if (index.includes(key)) return;
        await this.secrets.store(IndexKey, JSON.stringify([...index, key]));
        await new Promise((r) => setTimeout(r, 20 + Math.random() * 80));
      }
    };
    const next = this.indexQueue.then(run, run);
    this.indexQueue = next.catch(() => undefined);
    return next;
  }

  private async readIndex(): Promise<string[]> {
    try {
      const parsed: unknown = JSON.parse((await this.secrets.get(IndexKey)) ?? '[]');
      return Array.isArray(parsed) ? parsed.filter((k): k is string => typeof k === 'string') : [];
    } catch {
      return [];
    }
  }

  /** Removes every stored token (and the webhook URLs); returns how many were removed. */
  async clear(): Promise<number> {
    const index = await this.readIndex();
    // Webhook keys are fixed: removed even if an index entry was lost.
    const keys = new Set([...index, ...CredentialVendors.filter((v) => v.webhook).map((v) => secretKey(v.id, 'webhook'))]);
    let removed = 0;
    for (const key of keys) {
      if (!index.includes(key) && !(await this.secrets.get(key))) continue;
      await this.secrets.delete(key);
      removed++;
    }
    await this.secrets.delete(IndexKey);
    return removed;
  }

  /** Webhook URLs are secrets too: stored under their vendor with a fixed origin key. */
  async getWebhook(vendor: string): Promise<string | undefined> {
    const w = vendorById(vendor)?.webhook;
    if (!w) return undefined;
    return this.env[w.env] || (await this.secrets.get(secretKey(vendor, 'webhook'))) || undefined;
  }

  async setWebhook(vendor: string, url: string): Promise<void> {
    await this.secrets.store(secretKey(vendor, 'webhook'), url);
    await this.addToIndex(secretKey(vendor, 'webhook'));
  }

  dispose(): void {
    this.subscription.dispose();
    this.changed.dispose();
  }
}

export { originOf };
