// Small helpers for batched vendor calls.

/** Splits `items` into arrays of at most `size` (a vendor's batch limit, e.g. 100 or 200 ids). */
export function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** Runs `fn` over `items` with at most `limit` in flight; results keep the input order. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

/**
 * Remembers one lookup per key (an owner, a user) for the life of a client; a failed lookup is forgotten,
 * so the next call asks again. Concurrent callers of the same key share one request.
 */
export class LookupCache<V> {
  private readonly entries = new Map<string, Promise<V>>();

  has(key: string): boolean {
    return this.entries.has(key);
  }

  /** Stores a value known from elsewhere (a list call), without a request. */
  set(key: string, value: V): void {
    this.entries.set(key, Promise.resolve(value));
  }

  get(key: string, fetch: () => Promise<V>): Promise<V> {
    let p = this.entries.get(key);
    if (!p) {
      p = fetch();
      this.entries.set(key, p);
      p.catch(() => this.entries.delete(key));
    }
    return p;
  }
}

/** Returns `get()`'s promise and calls `clear` if it fails, so a cached failed lookup is retried next time. */
export function cacheOnce<T>(get: () => Promise<T>, clear: () => void): Promise<T> {
  const p = get();
  p.catch(clear);
  return p;
}
