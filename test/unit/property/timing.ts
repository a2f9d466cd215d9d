// Shared by the property tests (not a test file itself): the time bound, 64 KB inputs made of one
// worst-case unit, hostile text pieces, and a record of the slowest input each suite met.
import * as assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';
import fc from 'fast-check';

/** Every parser and formatter that sees outside text handles one 64 KB input in less than this. */
export const BoundMs = 50;
export const KB64 = 64 * 1024;

/** `unit` repeated to `size` characters (64 KB by default). */
export function fill(unit: string, size = KB64): string {
  return unit.repeat(Math.ceil(size / unit.length)).slice(0, size);
}

/** The slowest input a suite met, printed after it so the figure can be quoted. */
export class Worst {
  ms = 0;
  what = '';
  constructor(private readonly name: string) {}

  /**
   * Runs `run`, returns its result, and asserts it took under BoundMs. A run costs the smaller of its
   * wall time and this process's CPU time, so other processes on a busy 2-core machine do not count;
   * a slow run is repeated (best of five) so a garbage collection does not either. A super-linear
   * pattern is slow in both measures, every time.
   */
  time<T>(what: string, run: () => T): T {
    const once = (): { result: T; ms: number } => {
      const cpu = process.cpuUsage();
      const start = performance.now();
      const result = run();
      const wall = performance.now() - start;
      const used = process.cpuUsage(cpu);
      return { result, ms: Math.min(wall, (used.user + used.system) / 1000) };
    };
    const first = once();
    const result = first.result;
    let ms = first.ms;
    for (let i = 0; i < 4 && ms >= BoundMs / 5; i++) ms = Math.min(ms, once().ms);
    if (ms > this.ms) {
      this.ms = ms;
      this.what = what;
    }
    assert.ok(ms < BoundMs, `${this.name}: ${ms.toFixed(1)} ms for ${what}`);
    return result;
  }

  /** `worst time: 3.1 ms (64 KB of "&")`. */
  report(): string {
    return `${this.name} worst time: ${this.ms.toFixed(2)} ms (${this.what})`;
  }
}

/** What a description shows of a long input: its start and its length. */
export function describeInput(s: string): string {
  return s.length > 24 ? `${JSON.stringify(s.slice(0, 12))}… (${s.length} chars)` : JSON.stringify(s);
}

/** Characters and strings attackers put in data meant for people. */
export const HostilePieces = [
  '<script>alert(1)</script>', '<img src=x onerror=alert(1)>', '<', '>', '&', '&amp;', '&lt;',
  '&#64;', '](command:x)', '[see spec](command:workbench.action.terminal.sendSequence)',
  '![i](https://evil.example/p.png)', '[x](javascript:alert(1))', '@channel', '@here', '<!here>',
  '<!channel>', '<@U0ADMIN>', '<https://evil.example|bank>', '{{macro}}', '{html}', '{noformat}',
  '{code}', '[~admin]', '[link|https://evil.example]', '!https://evil.example/p.png!', '*bold*',
  '_it_', '~x~', '`', '```', '````', '\\', '\\\\', '|', '#12', '!12', '~bug', '$x$', '%m',
  'https://evil.example', 'www.evil.example', 'a@b.co', 'javascript:alert(1)', 'cc-question:',
  '\n', '\r\n', '\r', '\u2028', '\u0085', '\u0000', '\t', '\u202e', '\u200b', '\ufeff', ' ', '  ',
  '-', '=', '>', '#', '1.', 'h1. ', 'bq. ', '----', '"', "'", '<at>', 'Москва', '1 250 000,50 ₽',
];

/** A hostile piece, or a short run of arbitrary code points (lone surrogates included). */
export const hostilePiece = fc.oneof(
  fc.constantFrom(...HostilePieces),
  fc.string({ unit: 'binary', maxLength: 6 }),
  fc.string({ unit: fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)), maxLength: 3 }),
);

/** Text made of hostile pieces. */
export const hostileText = fc.array(hostilePiece, { maxLength: 10 }).map((parts) => parts.join(''));
