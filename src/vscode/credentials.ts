// Set API Token…, Remove Stored Tokens and Configure Tracker and CRM…: the guided set-up.
import * as vscode from 'vscode';
import { isLoopbackHost } from '../core/http';
import { credentialUrlProblem } from '../core/settings';
import type { RouteName } from '../core/questions/question';
import { readSettings } from './config';
import { type TokenProvider, TokenProviders, type TokenStore, originOf } from './secrets';

/** Which question route a token unblocks (questions parked for auth resume when it is set). */
const RouteOf: Partial<Record<TokenProvider, RouteName[]>> = {
  jira: ['ticketComment'], github: ['ticketComment'], linear: ['ticketComment'],
  hubspot: ['crm'], salesforce: ['crm'], pipedrive: ['crm'], slack: ['slack'], teams: ['teams'],
};

const WebhookHosts: Record<'slack' | 'teams', RegExp> = {
  slack: /^hooks\.slack\.com$/,
  teams: /(^|\.)(logic\.azure\.com|powerplatform\.com|webhook\.office\.com|powerautomate\.com)$/,
};

export class Credentials {
  constructor(
    private readonly tokens: TokenStore,
    private readonly onTokenSet: (routes: RouteName[]) => Promise<void>,
    /** Test calls against the configured tracker and CRM; resolves with lines like "Jira: Dana Dev". */
    private readonly testConnection: () => Promise<string[]>,
  ) {}

  async setToken(preset?: string): Promise<void> {
    const provider = (preset && preset in TokenProviders ? preset : (await vscode.window.showQuickPick(
      (Object.keys(TokenProviders) as TokenProvider[]).map((p) => ({ label: TokenProviders[p].label, provider: p })),
      { title: 'Set API Token…', placeHolder: 'For which service?' },
    ))?.provider) as TokenProvider | undefined;
    if (!provider) return;
    const spec = TokenProviders[provider];
    if (provider === 'slack' || provider === 'teams') {
      const url = await vscode.window.showInputBox({
        title: `${spec.label} URL`,
        prompt: 'The webhook URL is a secret: it is kept in VS Code secret storage, never in settings.',
        password: true,
        ignoreFocusOut: true,
        validateInput: (v) => webhookProblem(provider, v),
      });
      if (!url) return;
      await this.tokens.setWebhook(provider, url.trim());
      await this.onTokenSet(RouteOf[provider] ?? []);
      void vscode.window.showInformationMessage(`${spec.label} saved.`);
      return;
    }
    const { settings } = readSettings();
    const setting = spec.setting!;
    const url = settings[setting];
    const problem = credentialUrlProblem(`customerContext.${setting}`, url);
    if (problem) {
      const open = 'Open User Settings';
      if ((await vscode.window.showErrorMessage(`${problem} Set it in your user settings first.`, open)) === open) {
        await vscode.commands.executeCommand('workbench.action.openSettings', `customerContext.${setting}`);
      }
      return;
    }
    const origin = originOf(url)!;
    if (process.env[spec.env]) {
      // The environment wins for its origin (containers, CI): say so rather than store a token that is never used.
      void vscode.window.showWarningMessage(`${spec.env} is set in the environment; it is used for its origin instead of a stored token. Unset it to use the token you enter now.`);
    }
    const token = await vscode.window.showInputBox({
      title: `${spec.label} API token for ${origin}`,
      prompt: provider === 'jira' && settings['jira.deployment'] === 'cloud'
        ? `Jira Cloud API token for ${settings['jira.email'] || 'the e-mail in customerContext.jira.email'}; it is sent only to ${origin}.`
        : `It is kept in VS Code secret storage and sent only to ${origin}.`,
      password: true,
      ignoreFocusOut: true,
      validateInput: (v) => (v.trim() ? undefined : 'The token is empty.'),
    });
    if (!token) return;
    await this.tokens.set(provider, url, token.trim());
    await this.onTokenSet(RouteOf[provider] ?? []);
    void vscode.window.showInformationMessage(`${spec.label} token saved for ${origin}.`);
  }

  async signOut(): Promise<void> {
    const sure = await vscode.window.showWarningMessage(
      'Remove every API token and webhook URL Customer Context has stored?', { modal: true }, 'Remove');
    if (sure !== 'Remove') return;
    const n = await this.tokens.clear();
    void vscode.window.showInformationMessage(`Removed ${n} stored token${n === 1 ? '' : 's'}. Tokens from environment variables are not affected.`);
  }

  async configure(): Promise<void> {
    const target = vscode.workspace.workspaceFolders?.length ? vscode.ConfigurationTarget.Workspace : vscode.ConfigurationTarget.Global;
    const cfg = () => vscode.workspace.getConfiguration('customerContext');
    const tracker = await vscode.window.showQuickPick([
      { label: 'Data file', description: '.vscode/customer-context.json, no account', value: 'local' },
      { label: 'Jira', description: 'Cloud or Data Center', value: 'jira' },
      { label: 'GitHub Issues', value: 'github' },
      { label: 'Linear', value: 'linear' },
    ], { title: 'Configure (1/2): where do tickets come from?', ignoreFocusOut: true });
    if (!tracker) return;
    await cfg().update('tracker', tracker.value, target);
    if (tracker.value !== 'local' && !(await this.askUrlAndToken(tracker.value as TokenProvider))) return;
    const crm = await vscode.window.showQuickPick([
      { label: 'Data file', description: 'deals in .vscode/customer-context.json', value: 'local' },
      { label: 'CSV export', description: 'RegionSoft CRM, 1C, a spreadsheet', value: 'csv' },
      { label: 'HubSpot', value: 'hubspot' },
      { label: 'Salesforce', value: 'salesforce' },
      { label: 'Pipedrive', value: 'pipedrive' },
    ], { title: 'Configure (2/2): where do deals come from?', ignoreFocusOut: true });
    if (!crm) return;
    await cfg().update('crm', crm.value, target);
    if (crm.value === 'csv') {
      const file = await vscode.window.showOpenDialog({ title: 'Deals export (CSV)', canSelectMany: false, filters: { CSV: ['csv', 'txt'] } });
      if (file?.[0]) await cfg().update('csv.file', file[0].fsPath, target);
    } else if (crm.value !== 'local' && !(await this.askUrlAndToken(crm.value as TokenProvider))) return;
    const lines = await this.testConnection().catch((e: Error) => [`Test call failed: ${e.message}`]);
    void vscode.window.showInformationMessage(`Customer Context is configured. ${lines.join(' · ')}`);
  }

  private async askUrlAndToken(provider: TokenProvider): Promise<boolean> {
    const spec = TokenProviders[provider];
    if (!spec.setting) return true;
    const cfg = vscode.workspace.getConfiguration('customerContext');
    const current = cfg.inspect<string>(spec.setting);
    const url = await vscode.window.showInputBox({
      title: `${spec.label} URL (saved in your user settings)`,
      value: current?.globalValue ?? current?.defaultValue ?? '',
      ignoreFocusOut: true,
      validateInput: (v) => credentialUrlProblem(`customerContext.${spec.setting}`, v.trim()),
    });
    if (url === undefined) return false;
    await cfg.update(spec.setting, url.trim(), vscode.ConfigurationTarget.Global);
    if (provider === 'jira') {
      const deployment = await vscode.window.showQuickPick(['cloud', 'datacenter'], { title: 'Jira deployment', ignoreFocusOut: true });
      if (!deployment) return false;
      await cfg.update('jira.deployment', deployment, vscode.ConfigurationTarget.Global);
      if (deployment === 'cloud') {
        const email = await vscode.window.showInputBox({ title: 'Jira Cloud account e-mail', value: cfg.inspect<string>('jira.email')?.globalValue ?? '', ignoreFocusOut: true });
        if (email === undefined) return false;
        await cfg.update('jira.email', email.trim(), vscode.ConfigurationTarget.Global);
      }
    }
    await this.setToken(provider);
    return true;
  }
}

export function webhookProblem(provider: 'slack' | 'teams', value: string): string | undefined {
  let u: URL;
  try {
    u = new URL(value.trim());
  } catch {
    return 'Paste the full webhook URL.';
  }
  // Plain http only to this machine (a local relay or a test server), as for every other URL.
  if (u.protocol === 'http:' && isLoopbackHost(u.hostname)) return undefined;
  if (u.protocol !== 'https:') return 'The webhook URL must use https://.';
  if (!WebhookHosts[provider].test(u.hostname)) {
    return provider === 'slack' ? 'A Slack incoming webhook URL starts with https://hooks.slack.com/.' : 'Expected a Teams Workflows (Power Automate) webhook URL.';
  }
  return undefined;
}
