/**
 * How the Tracking API finds the source behind a write key. Called once per request on the hot path,
 * so it is synchronous: the control plane keeps an in-memory cache and refreshes it on every change.
 */
export interface TrackedSource {
  readonly sourceId: string;
  readonly workspaceId: string;
  readonly enabled: boolean;
}

export interface SourceDirectory {
  lookup(writeKey: string): TrackedSource | undefined;
}
