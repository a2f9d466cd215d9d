// Manual ticket per branch and repository (setTicketForBranch), kept across restarts in globalState.
import type { KeyValueStore } from '../core/store';

const Key = 'ticketOverrides.v1';
type Map = Record<string, string>;

const id = (repository: string, branch: string) => `${repository}\u0000${branch}`;

export class TicketOverrides {
  constructor(private readonly store: KeyValueStore) {}

  private all(): Map {
    const v = this.store.get<unknown>(Key);
    return v && typeof v === 'object' ? (v as Map) : {};
  }

  get(repository: string, branch: string): string | undefined {
    const v = this.all()[id(repository, branch)];
    return typeof v === 'string' ? v : undefined;
  }

  async set(repository: string, branch: string, key: string | undefined): Promise<void> {
    const next = { ...this.all() };
    if (key) next[id(repository, branch)] = key;
    else delete next[id(repository, branch)];
    await this.store.update(Key, next);
  }
}
