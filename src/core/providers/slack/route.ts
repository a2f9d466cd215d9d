// Which of Slack's two routes a question takes, decided at each call so that a token set or
// removed later applies at once: the bot (Web API, exactly once, answers read back) when a bot
// token is set, else the incoming webhook (at-least-once, one way).
import type { TokenSource } from '../../http';
import type { RouteSender } from '../../questions/sender';

/** The two Slack senders and how to tell whether a bot token is set. */
export interface SlackRoutes {
  bot: RouteSender;
  /** The webhook sender, built when used (its URL is read on each send). */
  webhook: () => Promise<RouteSender>;
  /** Whether a bot token is set now; a failed lookup counts as none. */
  hasBotToken: () => Promise<boolean>;
}

/** One `slack` route sender over the bot when a bot token is set, else over the webhook. */
export function slackRouteSender(routes: SlackRoutes): RouteSender {
  const useBot = async (): Promise<boolean> => {
    try {
      return await routes.hasBotToken();
    } catch {
      return false;
    }
  };
  return {
    async send(q, signal) {
      return (await useBot()) ? routes.bot.send(q, signal) : (await routes.webhook()).send(q, signal);
    },
    // A webhook cannot be queried: undefined lets the outbox send again (at-least-once).
    async reconcile(q, signal) {
      return (await useBot()) ? routes.bot.reconcile?.(q, signal) : undefined;
    },
    reconcileDelayMs: routes.bot.reconcileDelayMs,
    // Only a bot-route message has a conversation and ts to read the thread of.
    async answer(q, remote, signal) {
      if (!remote.remoteId || !(await useBot())) return undefined;
      return routes.bot.answer?.(q, remote, signal);
    },
  };
}

/** Whether a token source (a value, or a lazy lookup) holds a non-empty token now. */
export async function hasToken(token: TokenSource): Promise<boolean> {
  const value = typeof token === 'string' ? token : await token();
  return Boolean(value?.trim());
}
