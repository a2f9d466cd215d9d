// A fake Slack incoming webhook, faithful to what apis.md §7.1 documents: plain-text answers (`ok`,
// `invalid_payload`, `no_service`…), 429 with Retry-After when posting faster than about one a
// second.
import { FakeServer, type ReceivedRequest, type Reply } from './fakeServer';

/** Slack's own limits for the blocks we send. */
const MAX_BLOCKS = 50;
const MAX_SECTION_TEXT = 3000;
const MAX_HEADER_TEXT = 150;

const text = (status: number, body: string): Reply => ({
  status,
  headers: { 'content-type': 'text/plain; charset=utf-8' },
  raw: body,
});

/** Why Slack would refuse this body, as its error string; undefined when it is acceptable. */
function payloadProblem(body: unknown): string | undefined {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return 'invalid_payload';
  const b = body as { text?: unknown; blocks?: unknown };
  if (b.blocks === undefined && (typeof b.text !== 'string' || !b.text)) return 'no_text';
  if (b.blocks !== undefined) {
    if (!Array.isArray(b.blocks) || b.blocks.length > MAX_BLOCKS) return 'invalid_blocks';
    for (const block of b.blocks as Array<Record<string, unknown>>) {
      const t = block?.text as { type?: unknown; text?: unknown } | undefined;
      switch (block?.type) {
        case 'header':
          if (
            t?.type !== 'plain_text' ||
            typeof t.text !== 'string' ||
            !t.text ||
            t.text.length > MAX_HEADER_TEXT
          )
            return 'invalid_blocks';
          break;
        case 'section':
          if (typeof t?.text !== 'string' || !t.text || t.text.length > MAX_SECTION_TEXT)
            return 'invalid_blocks';
          break;
        case 'context':
          if (!Array.isArray(block.elements) || block.elements.length === 0)
            return 'invalid_blocks';
          break;
        case 'divider':
          break;
        default:
          return 'invalid_blocks';
      }
    }
  }
  return undefined;
}

/** One Slack workspace with one webhook; `posted` holds every accepted message body. */
export class SlackFake extends FakeServer {
  readonly posted: Array<{ text?: string; blocks?: unknown[] }> = [];
  /** The secret part of the webhook URL. */
  readonly hookPath = '/services/T0FAKE001/B0FAKE001/f4k3S3cr3tW3bh00kT0k3n';
  private revoked = false;

  constructor() {
    super('Slack');
    this.on('POST', '/services/:team/:bot/:secret', (req) => this.receive(req));
  }

  /** The full webhook URL (a secret in real life). */
  get webhookUrl(): string {
    return `${this.url}${this.hookPath}`;
  }

  /** The webhook is removed or disabled: every post answers `404 no_service`. */
  revoke(): void {
    this.revoked = true;
  }

  /** The next `times` posts get `429` with `Retry-After: seconds` (Slack's ~1 message/s limit). */
  rateLimit(times: number, seconds = 1): this {
    return this.inject(
      {
        type: 'reply',
        reply: {
          ...text(429, 'rate_limited'),
          headers: { 'content-type': 'text/plain', 'retry-after': String(seconds) },
        },
      },
      times,
    );
  }

  private receive(req: ReceivedRequest): Reply {
    if (this.revoked || req.path !== this.hookPath) return text(404, 'no_service');
    if (!/application\/json/i.test(String(req.headers['content-type'] ?? '')))
      return text(400, 'invalid_payload');
    if (typeof req.body === 'string') return text(400, 'invalid_payload');
    const problem = payloadProblem(req.body);
    if (problem) return text(400, problem);
    this.posted.push(req.body as { text?: string; blocks?: unknown[] });
    return text(200, 'ok');
  }
}
