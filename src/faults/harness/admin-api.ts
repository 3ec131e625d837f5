/**
 * The few admin API calls the scenarios make, as a user would (bearer session, default workspace):
 * list/create/change/delete destinations, read a destination's status, flush one until it answers 200.
 */

export interface DestinationJson {
  readonly id: string;
  readonly type: string;
  readonly enabled: boolean;
  readonly sourceIds: string[];
  readonly settings: Record<string, unknown>;
}

export interface DestinationStatusJson {
  readonly pending: { readonly events: number; readonly bytes: number };
  readonly lastError: { readonly message: string; readonly consecutiveFailures: number } | null;
}

export class AdminApi {
  readonly #baseUrl: string;
  readonly #token: string;

  constructor(baseUrl: string, token: string) {
    this.#baseUrl = `${baseUrl}/api/v1/workspaces/default/destinations`;
    this.#token = token;
  }

  async listDestinations(): Promise<DestinationJson[]> {
    return ((await this.#call('GET', '')) as { destinations: DestinationJson[] }).destinations;
  }

  async createDestination(body: { type: string; name: string; sourceIds: string[]; settings: Record<string, unknown> }): Promise<DestinationJson> {
    return (await this.#call('POST', '', body)) as DestinationJson;
  }

  async updateDestination(id: string, patch: { enabled?: boolean; settings?: Record<string, unknown> }): Promise<DestinationJson> {
    return (await this.#call('PATCH', `/${id}`, patch)) as DestinationJson;
  }

  async deleteDestination(id: string): Promise<void> {
    await this.#call('DELETE', `/${id}`);
  }

  async status(id: string): Promise<DestinationStatusJson> {
    return (await this.#call('GET', `/${id}/status`)) as DestinationStatusJson;
  }

  /** One flush; the HTTP status (502 while the destination still fails). */
  async flushOnce(id: string): Promise<number> {
    const response = await fetch(`${this.#baseUrl}/${id}/flush`, { method: 'POST', headers: { authorization: `Bearer ${this.#token}` }, signal: AbortSignal.timeout(300_000) });
    await response.text();
    return response.status;
  }

  /** Flushes until a flush answers 200 (everything pending when it was asked is delivered), or throws. */
  async flushUntilDelivered(id: string, attempts = 10): Promise<void> {
    let last = 0;
    for (let attempt = 0; attempt < attempts; attempt++) {
      last = await this.flushOnce(id);
      if (last === 200) return;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    throw new Error(`flushing destination ${id} kept failing (last status ${last})`);
  }

  async #call(method: string, path: string, body?: unknown): Promise<unknown> {
    const response = await fetch(`${this.#baseUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${this.#token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      signal: AbortSignal.timeout(30_000),
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`${method} destinations${path}: ${response.status} ${text}`);
    return text === '' ? undefined : (JSON.parse(text) as unknown);
  }
}
