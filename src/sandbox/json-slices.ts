/**
 * JSON.parse for large documents (PUT /_admin/snapshot) that yields to the event loop: values
 * whose text is at most LEAF_CHARS long are handed to JSON.parse whole; larger objects and arrays
 * are taken apart member by member, so no single synchronous step parses more than about
 * LEAF_CHARS characters (a 16 MB snapshot otherwise holds the loop for a third of a second).
 * The result equals JSON.parse's, own `__proto__` properties included; text JSON.parse would
 * refuse is refused with JSON.parse's own error.
 */

const LEAF_CHARS = 64 * 1024;
/** Characters scanned, or leaves parsed, between two yields. */
const SCAN_SLICE = 1024 * 1024;

function yieldToLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

const WS = new Set([0x20, 0x09, 0x0a, 0x0d]);

class Slicer {
  private budget = SCAN_SLICE;

  constructor(private readonly text: string) {}

  private async spend(n: number): Promise<void> {
    this.budget -= n;
    if (this.budget <= 0) {
      this.budget = SCAN_SLICE;
      await yieldToLoop();
    }
  }

  skipWs(at: number): number {
    while (at < this.text.length && WS.has(this.text.charCodeAt(at))) at++;
    return at;
  }

  /** Index just past the string token starting at `at` (a '"'). */
  private stringEnd(at: number): number {
    const text = this.text;
    let i = at + 1;
    while (i < text.length) {
      const c = text.charCodeAt(i);
      if (c === 0x5c) i += 2;
      else if (c === 0x22) return i + 1;
      else i++;
    }
    throw new SyntaxError('unterminated string');
  }

  /** Index just past the value starting at `at`. */
  async valueEnd(at: number): Promise<number> {
    const text = this.text;
    const first = text.charCodeAt(at);
    if (first === 0x22) return this.stringEnd(at);
    if (first !== 0x7b && first !== 0x5b) {
      let i = at;
      while (i < text.length && !/[\s,\]}]/.test(text[i]!)) i++;
      return i;
    }
    let depth = 0;
    let i = at;
    let scanned = 0;
    while (i < text.length) {
      const c = text.charCodeAt(i);
      if (c === 0x22) {
        const end = this.stringEnd(i);
        scanned += end - i;
        i = end;
        continue;
      }
      if (c === 0x7b || c === 0x5b) depth++;
      else if (c === 0x7d || c === 0x5d) {
        depth--;
        if (depth === 0) {
          await this.spend(scanned + 1);
          return i + 1;
        }
      }
      i++;
      if (++scanned >= SCAN_SLICE) {
        await this.spend(scanned);
        scanned = 0;
      }
    }
    throw new SyntaxError('unterminated object or array');
  }

  /** The value in text[at, end). */
  async value(at: number, end: number): Promise<unknown> {
    const first = this.text.charCodeAt(at);
    if (end - at <= LEAF_CHARS || (first !== 0x7b && first !== 0x5b)) {
      await this.spend(end - at);
      return JSON.parse(this.text.slice(at, end));
    }
    return first === 0x5b ? this.array(at, end) : this.object(at, end);
  }

  private async array(at: number, end: number): Promise<unknown[]> {
    const out: unknown[] = [];
    let i = this.skipWs(at + 1);
    if (this.text.charCodeAt(i) === 0x5d) return out;
    for (;;) {
      const itemEnd = await this.valueEnd(i);
      out.push(await this.value(i, itemEnd));
      i = this.skipWs(itemEnd);
      const c = this.text.charCodeAt(i);
      if (c === 0x5d && i === end - 1) return out;
      if (c !== 0x2c) throw new SyntaxError(`expected , or ] at position ${i}`);
      i = this.skipWs(i + 1);
    }
  }

  private async object(at: number, end: number): Promise<Record<string, unknown>> {
    const out: Record<string, unknown> = {};
    let i = this.skipWs(at + 1);
    if (this.text.charCodeAt(i) === 0x7d) return out;
    for (;;) {
      if (this.text.charCodeAt(i) !== 0x22) throw new SyntaxError(`expected a key at position ${i}`);
      const keyEnd = this.stringEnd(i);
      const key = JSON.parse(this.text.slice(i, keyEnd)) as string;
      i = this.skipWs(keyEnd);
      if (this.text.charCodeAt(i) !== 0x3a) throw new SyntaxError(`expected : at position ${i}`);
      i = this.skipWs(i + 1);
      const valueEnd = await this.valueEnd(i);
      // As JSON.parse does: an own property, even for "__proto__" (never the prototype).
      Object.defineProperty(out, key, {
        value: await this.value(i, valueEnd),
        enumerable: true,
        writable: true,
        configurable: true,
      });
      i = this.skipWs(valueEnd);
      const c = this.text.charCodeAt(i);
      if (c === 0x7d && i === end - 1) return out;
      if (c !== 0x2c) throw new SyntaxError(`expected , or } at position ${i}`);
      i = this.skipWs(i + 1);
    }
  }
}

/**
 * Parse JSON text as JSON.parse does, yielding to the event loop while doing so. Throws
 * JSON.parse's SyntaxError for text that is not JSON.
 */
export async function parseJsonInSlices(text: string): Promise<unknown> {
  if (text.length <= LEAF_CHARS) return JSON.parse(text);
  const slicer = new Slicer(text);
  try {
    const start = slicer.skipWs(0);
    const end = await slicer.valueEnd(start);
    if (slicer.skipWs(end) !== text.length) throw new SyntaxError('text after the value');
    return await slicer.value(start, end);
  } catch {
    return JSON.parse(text); // not JSON: JSON.parse's own message (and its cost, once)
  }
}
