// Shared assertions for the provider tests (not a test file itself).
import * as assert from 'node:assert/strict';
import { ProviderError } from '../../../src/core/errors';

/** Asserts `p` rejects with a ProviderError of `kind` whose message does not contain `secret`. */
export async function rejects(p: Promise<unknown>, kind: ProviderError['kind'], secret?: string): Promise<ProviderError> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof ProviderError, String(e));
    assert.equal(e.kind, kind, e.message);
    if (secret) assert.ok(!e.message.includes(secret), `secret leaked: ${e.message}`);
    return e;
  }
  assert.fail(`expected ${kind}`);
}
