// Builders shared by the question tests (not a test file itself).
import { randomUUID } from 'node:crypto';
import type { Question, QuestionDeal } from '../../../src/core/questions/question';

/** A deal owned by Anna, with every id a route needs. */
export function aDeal(overrides: Partial<QuestionDeal> = {}): QuestionDeal {
  return {
    id: '18734567890',
    customer: 'Globex LLC',
    amount: 120000,
    currency: 'USD',
    stage: 'Negotiation',
    url: 'https://crm.example.com/deals/18734567890',
    owner: {
      name: 'Anna Petrova',
      email: 'anna.petrova@example.com',
      slackId: 'U024BE7LH',
      crmId: '41629779',
    },
    ...overrides,
  };
}

/** A complete question on ACME-42 with a fresh UUID. */
export function aQuestion(overrides: Partial<Question> = {}): Question {
  return {
    id: randomUUID(),
    createdAt: '2026-10-01T09:12:00.000Z',
    text: 'Does Globex need SSO at launch, or can it follow in Q1?',
    ticket: {
      key: 'ACME-42',
      title: 'Export invoices to PDF',
      url: 'https://acme.atlassian.net/browse/ACME-42',
    },
    deals: [aDeal()],
    branch: 'feature/ACME-42-pdf-export',
    repository: 'acme/app',
    author: { name: 'Dana Dev', email: 'dana@example.com' },
    excerpt: {
      file: 'src/export.ts',
      startLine: 10,
      endLine: 12,
      text: 'export function pdf() {\n  return render();\n}',
      language: 'typescript',
    },
    ...overrides,
  };
}

/** A clock tests move by hand. */
export function manualClock(start = Date.parse('2026-10-01T09:12:00.000Z')): {
  now: () => number;
  advance(ms: number): void;
  set(t: number): void;
} {
  let t = start;
  return { now: () => t, advance: (ms) => void (t += ms), set: (v) => void (t = v) };
}
