import type { RequestCounts } from './types.js';

/** Request counters for the control API. Control requests never reach these. */
export class Stats {
  private total = 0;
  private byOperation = new Map<string, number>();
  private items = new Map<string, number>();
  private open = 0;

  opened(): void {
    this.open += 1;
  }

  closed(): void {
    this.open -= 1;
  }

  request(operation: string): void {
    this.total += 1;
    this.byOperation.set(operation, (this.byOperation.get(operation) ?? 0) + 1);
  }

  embedded(operation: string, texts: number): void {
    this.items.set(operation, (this.items.get(operation) ?? 0) + texts);
  }

  reset(): void {
    this.total = 0;
    this.byOperation.clear();
    this.items.clear();
  }

  snapshot(): RequestCounts {
    return {
      total: this.total,
      byOperation: Object.fromEntries(this.byOperation),
      items: Object.fromEntries(this.items),
      inFlight: this.open,
    };
  }
}
