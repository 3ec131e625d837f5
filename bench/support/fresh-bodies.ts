/**
 * Fresh messageIds for every request of a load generator (autocannon's in `load-generator.ts`, the
 * paced one in `paced-load.ts`): each MESSAGE_ID_PLACEHOLDER in the body template is overwritten in
 * place (same length, so Content-Length holds) with a random per-generator prefix and a request
 * counter. The events of one body differ by the index that follows the placeholder (`events.ts`).
 * `next()` costs a body copy per request; `refreshInPlace` rewrites only the placeholders of a request
 * buffer a generator keeps (autocannon's, `load-generator.ts`).
 */
import { randomBytes } from 'node:crypto';
import { MESSAGE_ID_PLACEHOLDER } from './events.js';

export class FreshBodies {
  readonly #template: Buffer;
  readonly #positions: number[] = [];
  readonly #prefix: string;
  #counter = 0;

  constructor(template: string, prefix: string = randomBytes(3).toString('hex')) {
    if (prefix.length >= MESSAGE_ID_PLACEHOLDER.length) throw new Error(`prefix must be shorter than ${MESSAGE_ID_PLACEHOLDER.length} characters`);
    this.#template = Buffer.from(template);
    this.#prefix = prefix;
    for (let at = this.#template.indexOf(MESSAGE_ID_PLACEHOLDER); at !== -1; at = this.#template.indexOf(MESSAGE_ID_PLACEHOLDER, at + 1)) this.#positions.push(at);
  }

  /** Whether the template holds any placeholder (if not, every body is the template itself). */
  get hasPlaceholders(): boolean {
    return this.#positions.length > 0;
  }

  /** The next body: a copy of the template with this request's messageId prefix in every placeholder. */
  next(): Buffer {
    if (!this.hasPlaceholders) return this.#template;
    const body = Buffer.from(this.#template);
    this.#fill(body, 0);
    return body;
  }

  /**
   * Gives the body that ends `request` (a whole HTTP request: headers, then a body built from the
   * template) the next request's messageIds, in place: no copy of the body at all.
   */
  refreshInPlace(request: Buffer): void {
    if (this.hasPlaceholders) this.#fill(request, request.length - this.#template.length);
  }

  #fill(target: Buffer, bodyStart: number): void {
    const unique = Buffer.from(this.#prefix + (this.#counter++).toString(36).padStart(MESSAGE_ID_PLACEHOLDER.length - this.#prefix.length, '0'));
    for (const at of this.#positions) unique.copy(target, bodyStart + at);
  }
}
