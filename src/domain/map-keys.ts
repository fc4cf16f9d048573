/**
 * Keys that, in a map-shaped input (a rule's `when.header`, a fixture, a snapshot, a scenario
 * file), reach or shadow an object's prototype when copied by spread, Object.assign or a zod
 * record: `__proto__` makes the entry vanish or changes the prototype, `constructor` and
 * `prototype` shadow what code expects. None names anything in this sandbox's inputs, so they
 * are refused (OWASP "Prototype Pollution Prevention Cheat Sheet").
 */
export const FORBIDDEN_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

interface Frame {
  value: object;
  key: string | number;
  parent: Frame | undefined;
  depth: number;
}

function pathOf(frame: Frame | undefined, last?: string): string {
  const parts: string[] = [];
  if (last !== undefined) parts.push(last);
  for (let f = frame; f?.parent; f = f.parent) {
    parts.push(typeof f.key === 'number' ? `[${f.key}]` : f.key);
  }
  let out = '';
  for (let i = parts.length - 1; i >= 0; i--) {
    const part = parts[i]!;
    out += part.startsWith('[') || out === '' ? part : `.${part}`;
  }
  return out;
}

/** What a walk of a parsed JSON value found: a forbidden key, or nesting beyond the limit (JSON paths). */
export interface JsonWalkProblem {
  kind: 'forbidden-key' | 'too-deep';
  /** e.g. `when.header.__proto__` or `state.appointments[3].resource` ('' for the root). */
  path: string;
}

/** A resumable walk: each run() visits at most `maxNodes` objects and arrays. */
export interface JsonWalker {
  /** The problem found, `undefined` when the whole value is clean, or 'more' when there is more to visit. */
  run(maxNodes: number): JsonWalkProblem | undefined | 'more';
}

/**
 * One iterative, linear walk of a parsed JSON value: the first key that is `__proto__`,
 * `constructor` or `prototype`, or the first value nested deeper than `maxDepth` levels. Paths
 * are built only for the problem found, so a large snapshot costs one pass and no strings. The
 * walk can be run in slices (`run(n)`), yielding to the event loop between them.
 */
export function jsonWalker(root: unknown, maxDepth = Number.POSITIVE_INFINITY): JsonWalker {
  const stack: Frame[] =
    typeof root === 'object' && root !== null ? [{ value: root, key: '', parent: undefined, depth: 0 }] : [];
  return {
    run(maxNodes) {
      for (let visited = 0; stack.length > 0; visited++) {
        if (visited >= maxNodes) return 'more';
        const frame = stack.pop()!;
        if (frame.depth > maxDepth) return { kind: 'too-deep', path: pathOf(frame) };
        const node = frame.value;
        if (Array.isArray(node)) {
          for (let i = node.length - 1; i >= 0; i--) {
            const item: unknown = node[i];
            if (typeof item === 'object' && item !== null)
              stack.push({ value: item, key: i, parent: frame, depth: frame.depth + 1 });
          }
          continue;
        }
        const keys = Object.keys(node);
        for (const key of keys) {
          if (FORBIDDEN_KEYS.has(key)) return { kind: 'forbidden-key', path: pathOf(frame, key) };
        }
        for (let i = keys.length - 1; i >= 0; i--) {
          const key = keys[i]!;
          const value = (node as Record<string, unknown>)[key];
          if (typeof value === 'object' && value !== null)
            stack.push({ value, key, parent: frame, depth: frame.depth + 1 });
        }
      }
      return undefined;
    },
  };
}

/** jsonWalker, all at once. */
export function walkJson(root: unknown, maxDepth = Number.POSITIVE_INFINITY): JsonWalkProblem | undefined {
  return jsonWalker(root, maxDepth).run(Number.POSITIVE_INFINITY) as JsonWalkProblem | undefined;
}

/**
 * The JSON path of the first forbidden key in a parsed JSON value, e.g. `when.header.__proto__`
 * or `state.appointments[3].constructor`, or undefined when there is none.
 */
export function forbiddenKeyPath(root: unknown): string | undefined {
  const problem = walkJson(root);
  return problem?.kind === 'forbidden-key' ? problem.path : undefined;
}

/** The sentence for a refused key at `path`. */
export function forbiddenKeyMessage(path: string): string {
  const key = /[^.[\]]+$/.exec(path)?.[0] ?? path;
  return `"${key}" is not allowed as a key (${path}): __proto__, constructor and prototype could change how the input is read`;
}
