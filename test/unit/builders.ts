// Test builders for the domain types, in one place: a complete, valid value with every field a reader
// or a route needs, so a test spells out only what it is about (not a test file itself).
import { randomUUID } from 'node:crypto';
import type { Deal, Ticket, TicketContext } from '../../src/core/model';
import type { Question, QuestionDeal } from '../../src/core/questions/question';

/** ACME-42, "Export invoices to PDF", with a tracker URL and no labels, references or comments. */
export function aTicket(overrides: Partial<Ticket> = {}): Ticket {
  return {
    key: 'ACME-42',
    title: 'Export invoices to PDF',
    url: 'https://tracker.example.com/ACME-42',
    labels: [],
    dealRefs: [],
    comments: [],
    ...overrides,
  };
}

/** Globex's $120,000 deal in Negotiation, closing 2026-12-02, owned by Anna with every id a route needs. */
export function aDeal(overrides: Partial<Deal> = {}): Deal {
  // Key order matters to JSON snapshots of questions: aQuestionDeal drops closeDate and keeps the rest.
  return {
    id: '18734567890',
    customer: 'Globex LLC',
    amount: 120000,
    currency: 'USD',
    stage: 'Negotiation',
    closeDate: '2026-12-02',
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

/** aDeal as a question captures it (no close date). */
export function aQuestionDeal(overrides: Partial<QuestionDeal> = {}): QuestionDeal {
  const { closeDate: _closeDate, ...deal } = aDeal(overrides);
  return deal;
}

/** The ticket's context: aTicket (with `ticket` applied) and the given deals, no warnings. */
export function aContext(deals: Deal[] = [aDeal()], ticket: Partial<Ticket> = {}): TicketContext {
  return { ticket: aTicket(ticket), deals, warnings: [] };
}

/** A complete question on ACME-42 (Jira URL, one deal, a code excerpt) with a fresh UUID. */
export function aQuestion(overrides: Partial<Question> = {}): Question {
  const { key, title } = aTicket();
  return {
    id: randomUUID(),
    createdAt: '2026-10-01T09:12:00.000Z',
    text: 'Does Globex need SSO at launch, or can it follow in Q1?',
    ticket: { key, title, url: 'https://acme.atlassian.net/browse/ACME-42' },
    deals: [aQuestionDeal()],
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
