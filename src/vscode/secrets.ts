// API tokens: in SecretStorage, each bound to the origin it was entered for; or, for dev containers and
// CI, from the contract's environment variables, used only for the origin they name.
import * as vscode from 'vscode';
import { originOf, secretKey, tokenFor } from '../core/credentials';
import { credentialUrlProblem } from '../core/settings';

/** Providers with a credential. */
export const TokenProviders = {
  jira: { label: 'Jira', env: 'CUSTOMER_CONTEXT_JIRA_TOKEN', envUrl: 'CUSTOMER_CONTEXT_JIRA_URL', setting: 'jira.baseUrl' },
  github: { label: 'GitHub', env: 'CUSTOMER_CONTEXT_GITHUB_TOKEN', envUrl: 'CUSTOMER_CONTEXT_GITHUB_URL', setting: 'github.apiUrl' },
  linear: { label: 'Linear', env: 'CUSTOMER_CONTEXT_LINEAR_TOKEN', envUrl: 'CUSTOMER_CONTEXT_LINEAR_URL', setting: 'linear.apiUrl' },
  hubspot: { label: 'HubSpot', env: 'CUSTOMER_CONTEXT_HUBSPOT_TOKEN', envUrl: 'CUSTOMER_CONTEXT_HUBSPOT_URL', setting: 'hubspot.apiUrl' },
  salesforce: { label: 'Salesforce', env: 'CUSTOMER_CONTEXT_SALESFORCE_TOKEN', envUrl: 'CUSTOMER_CONTEXT_SALESFORCE_URL', setting: 'salesforce.instanceUrl' },
  pipedrive: { label: 'Pipedrive', env: 'CUSTOMER_CONTEXT_PIPEDRIVE_TOKEN', envUrl: 'CUSTOMER_CONTEXT_PIPEDRIVE_URL', setting: 'pipedrive.apiUrl' },
  slack: { label: 'Slack webhook', env: 'CUSTOMER_CONTEXT_SLACK_WEBHOOK_URL', envUrl: undefined, setting: undefined },
  teams: { label: 'Teams webhook', env: 'CUSTOMER_CONTEXT_TEAMS_WEBHOOK_URL', envUrl: undefined, setting: undefined },
} as const;
export type TokenProvider = keyof typeof TokenProviders;

const IndexKey = 'token-index';

export class TokenStore implements vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<TokenProvider>();
  readonly onDidChange = this.changed.event;
  private readonly subscription: vscode.Disposable;

  constructor(
    private readonly secrets: vscode.SecretStorage,
    private readonly env: NodeJS.ProcessEnv = process.env,
  ) {
    this.subscription = secrets.onDidChange((e) => {
      const m = /^token:(\w+):/.exec(e.key);
      if (m && m[1] in TokenProviders) this.changed.fire(m[1] as TokenProvider);
    });
  }

  /**
   * The token for `provider` at `url`'s origin. The environment variable applies only when its origin
   * variable (or, unset, the user-level URL setting) names this same origin.
   */
  async get(provider: Exclude<TokenProvider, 'slack' | 'teams'>, url: string, userLevelUrl?: string): Promise<string | undefined> {
    const spec = TokenProviders[provider];
    return tokenFor(provider, url, {
      envToken: this.env[spec.env],
      envUrl: this.env[spec.envUrl],
      userLevelUrl,
      secret: (key) => Promise.resolve(this.secrets.get(key)),
    });
  }

  async set(provider: TokenProvider, url: string, token: string): Promise<void> {
    const origin = originOf(url);
    if (!origin) throw new Error(`Not a URL: ${url}`);
    await this.secrets.store(secretKey(provider, origin), token);
    const index = new Set(JSON.parse((await this.secrets.get(IndexKey)) ?? '[]') as string[]);
    index.add(secretKey(provider, origin));
    await this.secrets.store(IndexKey, JSON.stringify([...index]));
  }

  /** Removes every stored token (and the webhook URLs); returns how many were removed. */
  async clear(): Promise<number> {
    const index = JSON.parse((await this.secrets.get(IndexKey)) ?? '[]') as string[];
    for (const key of index) await this.secrets.delete(key);
    await this.secrets.delete(IndexKey);
    return index.length;
  }

  /** Webhook URLs are secrets too: stored under their provider with a fixed origin key. */
  async getWebhook(provider: 'slack' | 'teams'): Promise<string | undefined> {
    return this.env[TokenProviders[provider].env] || (await this.secrets.get(secretKey(provider, 'webhook'))) || undefined;
  }

  async setWebhook(provider: 'slack' | 'teams', url: string): Promise<void> {
    await this.secrets.store(secretKey(provider, 'webhook'), url);
    const index = new Set(JSON.parse((await this.secrets.get(IndexKey)) ?? '[]') as string[]);
    index.add(secretKey(provider, 'webhook'));
    await this.secrets.store(IndexKey, JSON.stringify([...index]));
  }

  dispose(): void {
    this.subscription.dispose();
    this.changed.dispose();
  }
}

export { credentialUrlProblem, originOf };
