import { InputError } from './input-error.js';

/**
 * JSON.parse for large documents (PUT /_admin/snapshot) that yields to the event loop: values
 * whose text is at most LEAF_CHARS long are handed to JSON.parse whole; larger objects and arrays
 * are taken apart member by member, so no single synchronous step parses more than about
 * LEAF_CHARS characters (a 16 MB snapshot otherwise holds the loop for a third of a second).
 * The result equals JSON.parse's, own `__proto__` properties included; text JSON.parse would
 * refuse is refused with JSON.parse's own error.
 *
 * One linear pre-scan finds where every large object and array ends (so taking them apart never
 * rescans the text) and refuses nesting deeper than the caller's limit before anything is parsed.
 */

const LEAF_CHARS = 64 * 1024;
/** Characters scanned, or leaves parsed, between two yields. */
const SCAN_SLICE = 1024 * 1024;

function yieldToLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

const WS = new Set([0x20, 0x09, 0x0a, 0x0d]);

/** Thrown when the caller's `abandoned()` says the work is no longer wanted (its client went away). */
export class ParseAbandoned extends Error {
  constructor() {
    super('the client went away before the body was parsed');
    this.name = 'ParseAbandoned';
  }
}

/** Options of parseJsonInSlices. */
export interface JsonSliceOptions {
  /**
   * Deepest nesting accepted (the outermost object or array is depth 0, as walkJson counts);
   * deeper text is refused with an InputError `nested more than N levels deep` naming the JSON
   * path of the first container too deep ("body" for the top). Default: no limit.
   */
  maxDepth?: number;
  /** Asked between slices; when it returns true the parse stops with ParseAbandoned. */
  abandoned?: () => boolean;
  /**
   * Most values (objects, arrays and their members, counted as containers plus commas) the text
   * may hold; more is refused with an InputError naming `body` before anything is built: millions
   * of tiny values cost seconds of garbage collection that no slicing can spread. Default: none.
   */
  maxValues?: number;
  /** Most members one object may have (an InputError naming its path beyond). Default: none. */
  maxObjectMembers?: number;
}

const OBJECT = 1;
const ARRAY = 2;

class Slicer {
  private budget = SCAN_SLICE;
  /** End (index just past) of every object or array longer than LEAF_CHARS, by its start. */
  private readonly bigEnds = new Map<number, number>();

  constructor(
    private readonly text: string,
    private readonly options: JsonSliceOptions,
  ) {}

  private async spend(n: number): Promise<void> {
    this.budget -= n;
    if (this.budget <= 0) {
      this.budget = SCAN_SLICE;
      await yieldToLoop();
      if (this.options.abandoned?.()) throw new ParseAbandoned();
    }
  }

  /**
   * One pass over the whole text: records where large containers end and refuses nesting over
   * maxDepth (an InputError naming the path). Syntax is left to the parse that follows.
   */
  async prescan(): Promise<void> {
    const text = this.text;
    const maxDepth = this.options.maxDepth ?? Number.POSITIVE_INFINITY;
    const maxValues = this.options.maxValues ?? Number.POSITIVE_INFINITY;
    const maxMembers = this.options.maxObjectMembers ?? Number.POSITIVE_INFINITY;
    let values = 0;
    const starts: number[] = [];
    const kinds: number[] = [];
    const indexes: number[] = [];
    const keyStarts: number[] = [];
    const keyEnds: number[] = [];
    let expectKey = false;
    let i = 0;
    let scanned = 0;
    while (i < text.length) {
      const c = text.charCodeAt(i);
      if (c === 0x22) {
        const end = this.stringEnd(i);
        if (expectKey) {
          const top = starts.length - 1;
          keyStarts[top] = i;
          keyEnds[top] = end;
          expectKey = false;
        }
        scanned += end - i;
        i = end;
      } else {
        if (c === 0x7b || c === 0x5b) {
          if (starts.length > maxDepth) throw this.tooDeep(starts.length, kinds, indexes, keyStarts, keyEnds);
          if (++values > maxValues) throw tooMany(maxValues);
          starts.push(i);
          kinds.push(c === 0x7b ? OBJECT : ARRAY);
          indexes.push(0);
          keyStarts[starts.length - 1] = -1;
          expectKey = c === 0x7b;
        } else if (c === 0x7d || c === 0x5d) {
          const start = starts.pop();
          kinds.pop();
          indexes.pop();
          if (start !== undefined && i + 1 - start > LEAF_CHARS) this.bigEnds.set(start, i + 1);
          expectKey = false;
        } else if (c === 0x2c && starts.length > 0) {
          const top = starts.length - 1;
          indexes[top]!++;
          if (++values > maxValues) throw tooMany(maxValues);
          if (kinds[top] === OBJECT && indexes[top]! >= maxMembers) {
            throw new InputError(
              `an object holds more than ${maxMembers} members; no object of this document has that many`,
              this.pathOfOpen(top, kinds, indexes, keyStarts, keyEnds) || 'body',
            );
          }
          expectKey = kinds[top] === OBJECT;
        }
        i++;
        scanned++;
      }
      if (scanned >= SCAN_SLICE) {
        await this.spend(scanned);
        scanned = 0;
      }
    }
  }

  /** The InputError for a container opened at depth `depth`, its path built from the open levels. */
  private tooDeep(
    depth: number,
    kinds: number[],
    indexes: number[],
    keyStarts: number[],
    keyEnds: number[],
  ): InputError {
    const path = this.pathOfOpen(depth, kinds, indexes, keyStarts, keyEnds);
    return new InputError(`nested more than ${this.options.maxDepth} levels deep`, path || 'body');
  }

  /** The JSON path of the container opened at `depth` ('' for the top), from the open levels. */
  private pathOfOpen(
    depth: number,
    kinds: number[],
    indexes: number[],
    keyStarts: number[],
    keyEnds: number[],
  ): string {
    let path = '';
    for (let level = 0; level < depth; level++) {
      if (kinds[level] === ARRAY) {
        path += `[${indexes[level]}]`;
        continue;
      }
      let key = '?';
      const keyStart = keyStarts[level] ?? -1;
      if (keyStart >= 0) {
        try {
          key = String(JSON.parse(this.text.slice(keyStart, keyEnds[level])));
        } catch {
          // a key that is not a JSON string: the text is refused for its depth all the same
        }
      }
      path += path === '' ? key : `.${key}`;
    }
    return path;
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
    const known = this.bigEnds.get(at);
    if (known !== undefined) {
      await this.spend(1);
      return known;
    }
    // Not recorded: at most LEAF_CHARS long, so this local scan is bounded.
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
 * Parse JSON text as JSON.parse does, yielding to the event loop while doing so, in time linear
 * in the text's length. Throws InputError for nesting deeper than `options.maxDepth`,
 * ParseAbandoned when `options.abandoned()` turns true, and JSON.parse's SyntaxError for text
 * that is not JSON.
 */
export async function parseJsonInSlices(text: string, options: JsonSliceOptions = {}): Promise<unknown> {
  const slicer = new Slicer(text, options);
  try {
    await slicer.prescan(); // refuses too deep text (InputError) before any parse
  } catch (error) {
    if (!(error instanceof SyntaxError)) throw error;
    return JSON.parse(text); // an unterminated string: JSON.parse's own message
  }
  if (text.length <= LEAF_CHARS) return JSON.parse(text);
  try {
    const start = slicer.skipWs(0);
    const end = await slicer.valueEnd(start);
    if (slicer.skipWs(end) !== text.length) throw new SyntaxError('text after the value');
    return await slicer.value(start, end);
  } catch (error) {
    if (error instanceof ParseAbandoned) throw error;
    return JSON.parse(text); // not JSON: JSON.parse's own message (and its cost, once)
  }
}

function tooMany(maxValues: number): InputError {
  return new InputError(
    `the body holds more than ${maxValues} JSON values (objects, arrays and their members); a state document of this size has far fewer`,
    'body',
  );
}
