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
import { t, plural } from './l10n';
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

/** One half of *Configure* (the walkthrough's tracker and CRM steps); undefined means both. */
export type ConfigurePart = 'tracker' | 'crm';

/** Test calls against the tracker and CRM the session uses (or only `part`'s); who answered, or the error, goes to the log. */
export async function testConnection(session: Session, log: vscode.LogOutputChannel, part?: ConfigurePart): Promise<Array<{ label: string; ok: boolean }>> {
  const repo = session.current().repository;
  if (!repo) return [];
  const { tracker, crm } = session.providersFor(repo);
  const results: Array<{ label: string; ok: boolean }> = [];
  for (const [kind, p] of [['tracker', tracker], ['crm', crm]] as const) {
    if ((part && kind !== part) || !p.whoAmI) continue;
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

const secretLabel = (s: Secret) => (s.webhook ? t('{0} webhook', s.vendor.label) : s.vendor.label);

export class Credentials {
  constructor(
    private readonly tokens: TokenStore,
    private readonly onTokenSet: (routes: RouteName[]) => Promise<void>,
    /** Test calls against the configured tracker and CRM: each service's label and whether it answered. */
    private readonly testConnection: (part?: ConfigurePart) => Promise<Array<{ label: string; ok: boolean }>>,
  ) {}

  async setToken(preset?: string): Promise<void> {
    // A preset is a vendor id (its token, else its webhook) or `<id>:webhook`.
    const [presetId, presetKind] = (preset ?? '').split(':');
    const preselected = secrets().filter((s) => s.vendor.id === presetId && (presetKind !== 'webhook' || s.webhook))[0];
    const chosen = preselected ?? (await vscode.window.showQuickPick(
      secrets().map((s) => ({ label: secretLabel(s), description: s.vendor.description, secret: s })),
      { title: t('Set API Token…'), placeHolder: t('For which service?') },
    ))?.secret;
    if (!chosen) return;
    const vendor = chosen.vendor;
    const credential = vendor.credential;
    const label = secretLabel(chosen);
    if (chosen.webhook || !credential) {
      const url = await vscode.window.showInputBox({
        title: t('{0} URL', label),
        prompt: t('The webhook URL is a secret: it is kept in VS Code secret storage, never in settings.'),
        password: true,
        ignoreFocusOut: true,
        validateInput: (v) => (vendor.webhook ? webhookUrlProblem(vendor.webhook, v) : undefined),
      });
      if (!url) return;
      await this.tokens.setWebhook(vendor.id, url.trim());
      await this.onTokenSet(routesOf(vendor));
      void notify('info', t('{0} saved.', label));
      return;
    }
    const { settings } = readSettings();
    const setting = `${vendor.id}.${credential.urlSetting}`;
    const url = String((settings as Record<string, unknown>)[setting] ?? '');
    const problem = credentialUrlProblem(`customerContext.${setting}`, url);
    if (problem) {
      const open = t('Open User Settings');
      if ((await notify('error', t('{0} Set it in your user settings first.', problem), open)) === open) {
        await vscode.commands.executeCommand('workbench.action.openSettings', `customerContext.${setting}`);
      }
      return;
    }
    const origin = originOf(url)!;
    const env = this.tokens.envSets(vendor.id);
    if (env) {
      // The environment wins for its origin (containers, CI): say so rather than store a token that is never used.
      void notify('warning', t('{0} is set in the environment; it is used for its origin instead of a stored token. Unset it to use the token you enter now.', env));
    }
    const own = Object.fromEntries(Object.entries(settings).filter(([k]) => k.startsWith(`${vendor.id}.`)).map(([k, v]) => [k.slice(vendor.id.length + 1), v]));
    const token = await vscode.window.showInputBox({
      title: t('{0} API token for {1}', label, origin),
      prompt: [vendor.tokenPrompt?.(own, origin) ?? t('It is kept in VS Code secret storage and sent only to {0}.', origin), vendor.tokenHelp].filter(Boolean).join(' '),
      password: true,
      ignoreFocusOut: true,
      validateInput: (v) => (v.trim() ? undefined : t('The token is empty.')),
    });
    if (!token) return;
    await this.tokens.set(vendor.id, url, token.trim());
    await this.onTokenSet(routesOf(vendor));
    void notify('info', t('{0} token saved for {1}.', label, origin));
  }

  async signOut(): Promise<void> {
    const remove = t('Remove');
    const sure = await confirm(t('Remove every API token and webhook URL Customer Context has stored?'), remove);
    if (sure !== remove) return;
    const n = await this.tokens.clear();
    void notify('info', plural(
      n,
      'Removed {0} stored token. Tokens from environment variables are not affected.',
      'Removed {0} stored tokens. Tokens from environment variables are not affected.',
    ));
  }

  /** Both halves, or only `part`; resolves with the test calls made (undefined when cancelled). */
  async configure(part?: ConfigurePart): Promise<Array<{ label: string; ok: boolean }> | undefined> {
    const target = vscode.workspace.workspaceFolders?.length ? vscode.ConfigurationTarget.Workspace : vscode.ConfigurationTarget.Global;
    const cfg = () => vscode.workspace.getConfiguration('customerContext');
    const pick = (vendors: readonly VendorDescriptor[], title: string) =>
      vscode.window.showQuickPick(vendors.map((v) => ({ label: v.label, description: v.description, vendor: v })), { title, ignoreFocusOut: true });
    if (part !== 'crm') {
      const title = part ? t('Configure: where do tickets come from?') : t('Configure (1/2): where do tickets come from?');
      const tracker = await pick(Trackers, title);
      if (!tracker) return undefined;
      await cfg().update('tracker', tracker.vendor.id, target);
      if (!(await this.askVendorSettings(tracker.vendor, target))) return undefined;
    }
    if (part !== 'tracker') {
      const title = part ? t('Configure: where do deals come from?') : t('Configure (2/2): where do deals come from?');
      const crm = await pick(Crms, title);
      if (!crm) return undefined;
      await cfg().update('crm', crm.vendor.id, target);
      if (!(await this.askVendorSettings(crm.vendor, target))) return undefined;
    }
    // Who the token belongs to and the vendor's error text are data: they go to the output channel.
    const results = await this.testConnection(part).catch(() => [{ label: t('Test call'), ok: false }]);
    const failed = results.some((r) => !r.ok);
    // Sentences, each whole in its language: the outcome, one per service, then where details are.
    const said = [
      t('Customer Context is configured.'),
      ...results.map((r) => (r.ok ? t('{0}: connected.', r.label) : t('{0}: failed.', r.label))),
      ...(failed ? [t('Details are in the Customer Context output.')] : []),
    ];
    void notify(failed ? 'warning' : 'info', said.join(' '));
    return results;
  }

  /** The vendor's URL (user settings), its extra questions, then its token. False when cancelled. */
  private async askVendorSettings(vendor: VendorDescriptor, target: vscode.ConfigurationTarget): Promise<boolean> {
    const cfg = vscode.workspace.getConfiguration('customerContext');
    const credential = vendor.credential;
    if (credential?.kind === 'token') {
      const key = `${vendor.id}.${credential.urlSetting}`;
      const current = cfg.inspect<string>(key);
      const url = await vscode.window.showInputBox({
        title: t('{0} URL (saved in your user settings)', vendor.label),
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
