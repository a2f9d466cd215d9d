// Fetched ticket contexts: fresh for `ttlMs`, then served stale while a refresh runs; the last good
// context per ticket is also kept in a KeyValueStore so a restart while offline still shows it.
import * as z from 'zod/mini';
import type { TicketContext } from './model';
import type { KeyValueStore } from './store';

export interface CachedContext {
  context: TicketContext;
  fetchedAt: number;
}

const Persisted = z.record(
  z.string(),
  z.object({ context: z.looseObject({ ticket: z.looseObject({ key: z.string() }), deals: z.array(z.unknown()) }), fetchedAt: z.number() }),
);

const StoreKey = 'contextCache.v1';
/** Tickets kept on disk; older ones are dropped (least recently fetched first). */
const MaxPersisted = 30;

export class ContextCache {
  private readonly memory = new Map<string, CachedContext>();

  constructor(
    private readonly store: KeyValueStore | undefined,
    private readonly now: () => number,
  ) {
    const parsed = Persisted.safeParse(store?.get(StoreKey) ?? {});
    if (parsed.success) {
      for (const [k, v] of Object.entries(parsed.data)) this.memory.set(k, v as unknown as CachedContext);
    }
  }

  get(key: string): CachedContext | undefined {
    return this.memory.get(key);
  }

  isFresh(entry: CachedContext, ttlMs: number): boolean {
    return this.now() - entry.fetchedAt < ttlMs;
  }

  async set(key: string, context: TicketContext): Promise<CachedContext> {
    const entry = { context, fetchedAt: this.now() };
    this.memory.delete(key);
    this.memory.set(key, entry);
    while (this.memory.size > MaxPersisted) this.memory.delete(this.memory.keys().next().value as string);
    await this.store?.update(StoreKey, Object.fromEntries(this.memory));
    return entry;
  }

  /** Forget everything (e.g. the tracker or CRM changed). */
  async clear(): Promise<void> {
    this.memory.clear();
    await this.store?.update(StoreKey, undefined);
  }
}
