// A fake Microsoft Teams Workflows webhook ("When a Teams webhook request is received"), per
// apis.md §7.2: 202 Accepted with an empty body; 400 for a body that is not a message with an
// Adaptive Card or is too large; 401 for a wrong signature.
import { FakeServer, type ReceivedRequest, type Reply } from './fakeServer';

/** Teams refuses cards above about 28 KB. */
export const TeamsMaxBytes = 28 * 1024;

const error = (status: number, code: string, message: string): Reply => ({
  status,
  json: { error: { code, message } },
});

function cardProblem(body: unknown): string | undefined {
  const b = body as { type?: unknown; attachments?: unknown } | null;
  if (!b || typeof b !== 'object' || b.type !== 'message')
    return 'The request body must be a message.';
  if (!Array.isArray(b.attachments) || b.attachments.length === 0)
    return 'The message has no attachments.';
  for (const a of b.attachments as Array<Record<string, unknown>>) {
    if (a?.contentType !== 'application/vnd.microsoft.card.adaptive')
      return 'Only Adaptive Cards are supported.';
    const c = a.content as { type?: unknown; version?: unknown; body?: unknown } | undefined;
    if (c?.type !== 'AdaptiveCard' || typeof c.version !== 'string' || !Array.isArray(c.body))
      return 'The Adaptive Card is invalid.';
  }
  return undefined;
}

/** One flow with its signed trigger URL; `posted` holds every accepted body. */
export class TeamsFake extends FakeServer {
  readonly posted: unknown[] = [];
  readonly sig = 'fakeSignature0123456789';
  readonly flowPath = '/workflows/0f4k3f10w/triggers/manual/paths/invoke';

  constructor() {
    super('Teams');
    this.on('POST', this.flowPath, (req) => this.receive(req));
  }

  /** The full trigger URL, signature included (a secret in real life). */
  get webhookUrl(): string {
    const query = `api-version=1&sp=%2Ftriggers%2Fmanual%2Frun&sv=1.0&sig=${this.sig}`;
    return `${this.url}${this.flowPath}?${query}`;
  }

  private receive(req: ReceivedRequest): Reply {
    if (req.query.get('sig') !== this.sig) {
      return error(401, 'DirectApiAuthorizationRequired', 'The request must be authenticated.');
    }
    if (Buffer.byteLength(req.rawBody, 'utf8') > TeamsMaxBytes)
      return error(400, 'MessageTooLarge', 'The message is too large.');
    if (typeof req.body !== 'object')
      return error(400, 'InvalidRequestContent', 'The request content is not valid JSON.');
    const problem = cardProblem(req.body);
    if (problem) return error(400, 'InvalidRequestContent', problem);
    this.posted.push(req.body);
    return { status: 202, raw: '' };
  }
}
