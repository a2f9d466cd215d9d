// Set API Token…, Remove Stored Tokens and Configure Tracker and CRM…: the guided set-up. Every list
// here (services with a credential, trackers, CRMs, their extra questions) comes from the registry.
import * as vscode from 'vscode';
import { CredentialVendors, Crms, Trackers } from '../core/providers/registry';
import type { VendorDescriptor, VendorPrompt } from '../core/providers/vendor';
import type { RouteName } from '../core/questions/question';
import { webhookUrlProblem } from '../core/questions/webhook';
import { credentialUrlProblem } from '../core/settings';
import type { Session } from '../core/session';
import { readSettings } from './config';
import { confirm, notify } from './notify';
import { type TokenStore, originOf } from './secrets';

/** Which question routes a vendor's credential unblocks (questions parked for auth resume when it is set). */
export function routesOf(v: VendorDescriptor): RouteName[] {
  const routes: RouteName[] = [];
  if (v.kinds.includes('tracker')) routes.push('ticketComment');
  if (v.kinds.includes('crm')) routes.push('crm');
  if (v.kinds.includes('chat')) routes.push(v.id as RouteName);
  return routes;
}

/** Test calls against the tracker and CRM the session uses; who answered, or the error, goes to the log. */
export async function testConnection(session: Session, log: vscode.LogOutputChannel): Promise<Array<{ label: string; ok: boolean }>> {
  const repo = session.current().repository;
  if (!repo) return [];
  const { tracker, crm } = session.providersFor(repo);
  const results: Array<{ label: string; ok: boolean }> = [];
  for (const p of [tracker, crm]) {
    if (!p.whoAmI) continue;
    const ok = await p.whoAmI().then((who) => (log.info(`${p.label}: signed in as ${who}`), true), (e: Error) => (log.warn(`${p.label}: ${e.message}`), false));
    results.push({ label: p.label, ok });
  }
  return results;
}

/** One thing *Set API Token* can store: a vendor's API token, or its webhook URL. */
interface Secret {
  vendor: VendorDescriptor;
  webhook: boolean;
}

/** Every storable secret, in registry order; a vendor with both offers its token first. */
function secrets(): Secret[] {
  return CredentialVendors.flatMap((v) => [...(v.credential ? [{ vendor: v, webhook: false }] : []), ...(v.webhook ? [{ vendor: v, webhook: true }] : [])]);
}

const secretLabel = (s: Secret) => (s.webhook ? `${s.vendor.label} webhook` : s.vendor.label);

export class Credentials {
  constructor(
    private readonly tokens: TokenStore,
    private readonly onTokenSet: (routes: RouteName[]) => Promise<void>,
    /** Test calls against the configured tracker and CRM: each service's label and whether it answered. */
    private readonly testConnection: () => Promise<Array<{ label: string; ok: boolean }>>,
  ) {}

  async setToken(preset?: string): Promise<void> {
    // A preset is a vendor id (its token, else its webhook) or `<id>:webhook`.
    const [presetId, presetKind] = (preset ?? '').split(':');
    const preselected = secrets().filter((s) => s.vendor.id === presetId && (presetKind !== 'webhook' || s.webhook))[0];
    const chosen = preselected ?? (await vscode.window.showQuickPick(
      secrets().map((s) => ({ label: secretLabel(s), description: s.vendor.description, secret: s })),
      { title: 'Set API Token…', placeHolder: 'For which service?' },
    ))?.secret;
    if (!chosen) return;
    const vendor = chosen.vendor;
    const credential = vendor.credential;
    const label = secretLabel(chosen);
    if (chosen.webhook || !credential) {
      const url = await vscode.window.showInputBox({
        title: `${label} URL`,
        prompt: 'The webhook URL is a secret: it is kept in VS Code secret storage, never in settings.',
        password: true,
        ignoreFocusOut: true,
        validateInput: (v) => (vendor.webhook ? webhookUrlProblem(vendor.webhook, v) : undefined),
      });
      if (!url) return;
      await this.tokens.setWebhook(vendor.id, url.trim());
      await this.onTokenSet(routesOf(vendor));
      void notify('info', `${label} saved.`);
      return;
    }
    const { settings } = readSettings();
    const setting = `${vendor.id}.${credential.urlSetting}`;
    const url = String((settings as Record<string, unknown>)[setting] ?? '');
    const problem = credentialUrlProblem(`customerContext.${setting}`, url);
    if (problem) {
      const open = 'Open User Settings';
      if ((await notify('error', `${problem} Set it in your user settings first.`, open)) === open) {
        await vscode.commands.executeCommand('workbench.action.openSettings', `customerContext.${setting}`);
      }
      return;
    }
    const origin = originOf(url)!;
    const env = this.tokens.envSets(vendor.id);
    if (env) {
      // The environment wins for its origin (containers, CI): say so rather than store a token that is never used.
      void notify('warning', `${env} is set in the environment; it is used for its origin instead of a stored token. Unset it to use the token you enter now.`);
    }
    const own = Object.fromEntries(Object.entries(settings).filter(([k]) => k.startsWith(`${vendor.id}.`)).map(([k, v]) => [k.slice(vendor.id.length + 1), v]));
    const token = await vscode.window.showInputBox({
      title: `${label} API token for ${origin}`,
      prompt: [vendor.tokenPrompt?.(own, origin) ?? `It is kept in VS Code secret storage and sent only to ${origin}.`, vendor.tokenHelp].filter(Boolean).join(' '),
      password: true,
      ignoreFocusOut: true,
      validateInput: (v) => (v.trim() ? undefined : 'The token is empty.'),
    });
    if (!token) return;
    await this.tokens.set(vendor.id, url, token.trim());
    await this.onTokenSet(routesOf(vendor));
    void notify('info', `${label} token saved for ${origin}.`);
  }

  async signOut(): Promise<void> {
    const sure = await confirm('Remove every API token and webhook URL Customer Context has stored?', 'Remove');
    if (sure !== 'Remove') return;
    const n = await this.tokens.clear();
    void notify('info', `Removed ${n} stored token${n === 1 ? '' : 's'}. Tokens from environment variables are not affected.`);
  }

  async configure(): Promise<void> {
    const target = vscode.workspace.workspaceFolders?.length ? vscode.ConfigurationTarget.Workspace : vscode.ConfigurationTarget.Global;
    const cfg = () => vscode.workspace.getConfiguration('customerContext');
    const pick = (vendors: readonly VendorDescriptor[], title: string) =>
      vscode.window.showQuickPick(vendors.map((v) => ({ label: v.label, description: v.description, vendor: v })), { title, ignoreFocusOut: true });
    const tracker = await pick(Trackers, 'Configure (1/2): where do tickets come from?');
    if (!tracker) return;
    await cfg().update('tracker', tracker.vendor.id, target);
    if (!(await this.askVendorSettings(tracker.vendor, target))) return;
    const crm = await pick(Crms, 'Configure (2/2): where do deals come from?');
    if (!crm) return;
    await cfg().update('crm', crm.vendor.id, target);
    if (!(await this.askVendorSettings(crm.vendor, target))) return;
    // Who the token belongs to and the vendor's error text are data: they go to the output channel.
    const results = await this.testConnection().catch(() => [{ label: 'Test call', ok: false }]);
    const summary = results.map((r) => ` ${r.label}: ${r.ok ? 'connected' : 'failed'}.`).join('');
    const failed = results.some((r) => !r.ok) ? ' Details are in the Customer Context output.' : '';
    void notify(failed ? 'warning' : 'info', `Customer Context is configured.${summary}${failed}`);
  }

  /** The vendor's URL (user settings), its extra questions, then its token. False when cancelled. */
  private async askVendorSettings(vendor: VendorDescriptor, target: vscode.ConfigurationTarget): Promise<boolean> {
    const cfg = vscode.workspace.getConfiguration('customerContext');
    const credential = vendor.credential;
    if (credential?.kind === 'token') {
      const key = `${vendor.id}.${credential.urlSetting}`;
      const current = cfg.inspect<string>(key);
      const url = await vscode.window.showInputBox({
        title: `${vendor.label} URL (saved in your user settings)`,
        value: current?.globalValue ?? current?.defaultValue ?? '',
        ignoreFocusOut: true,
        validateInput: (v) => credentialUrlProblem(`customerContext.${key}`, v.trim()),
      });
      if (url === undefined) return false;
      await cfg.update(key, url.trim(), vscode.ConfigurationTarget.Global);
    }
    for (const prompt of vendor.configure ?? []) {
      const answer = await this.ask(vendor, prompt);
      if (answer === undefined) return false;
      if (answer === null) continue;
      const machine = vendor.settings[prompt.setting]?.scope === 'machine';
      await cfg.update(`${vendor.id}.${prompt.setting}`, answer, machine ? vscode.ConfigurationTarget.Global : target);
    }
    if (credential?.kind === 'token') await this.setToken(vendor.id);
    return true;
  }

  /** One extra question: the answer, null when skipped (its condition does not hold), undefined when cancelled. */
  private async ask(vendor: VendorDescriptor, prompt: VendorPrompt): Promise<string | null | undefined> {
    const cfg = vscode.workspace.getConfiguration('customerContext');
    if (prompt.when && cfg.get(`${vendor.id}.${prompt.when.setting}`) !== prompt.when.is) return null;
    if (prompt.options) return vscode.window.showQuickPick([...prompt.options], { title: prompt.title, ignoreFocusOut: true });
    if (prompt.files) {
      const file = await vscode.window.showOpenDialog({ title: prompt.title, canSelectMany: false, filters: prompt.files });
      return file?.[0] ? file[0].fsPath : null;
    }
    return (await vscode.window.showInputBox({ title: prompt.title, value: cfg.inspect<string>(`${vendor.id}.${prompt.setting}`)?.globalValue ?? '', ignoreFocusOut: true }))?.trim();
  }
}
