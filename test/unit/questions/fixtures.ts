// Builders shared by the question tests (not a test file itself). The deal and the question come from
// ../builders, so every suite starts from the same ticket, deal and question.

/** The shared builders under the names the question tests use: `aDeal` builds a QuestionDeal here. */
export { aQuestionDeal as aDeal, aQuestion } from '../builders';

/** A clock tests move by hand. */
export function manualClock(start = Date.parse('2026-10-01T09:12:00.000Z')): {
  now: () => number;
  advance(ms: number): void;
  set(t: number): void;
} {
  let t = start;
  return { now: () => t, advance: (ms) => void (t += ms), set: (v) => void (t = v) };
}
