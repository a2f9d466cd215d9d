// A second "window" for outbox.test.ts: a separate process with its own Outbox on the same
// directory.
//   send  <dir> <webhookUrl>  waits for 'go', processes with a Slack sender, reports, exits
//   churn <dir> <id>          rewrites the entry in a loop until killed (for the torn-write test)
import { Outbox } from '../../../src/core/questions/outbox';
import { slackSender } from '../../../src/core/providers/slack/sender';
import { axiosTransport } from '../../../src/vscode/axiosTransport';

const [mode, dir, arg] = process.argv.slice(2);

async function main(): Promise<void> {
  const outbox = new Outbox(dir, { owner: `window-${process.pid}` });
  if (mode === 'send') {
    const sender = slackSender({ webhookUrl: arg, transport: axiosTransport() });
    await new Promise<void>((resolve) => process.once('message', () => resolve()));
    // Two overlapping passes, as a timer and a focus event would start them.
    await Promise.all([outbox.process({ slack: sender }), outbox.process({ slack: sender })]);
    process.send?.({ done: true });
  } else if (mode === 'churn') {
    let n = 0;
    for (;;) {
      await outbox.retry(arg);
      if (++n === 3) process.send?.({ ready: true });
    }
  }
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    process.send?.({ error: String(e) });
    process.exit(1);
  },
);
