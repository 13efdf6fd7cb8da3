// iproute2's print_string/print_uint(PRINT_ANY, key, fmt, value) as one object with two
// faces: the same calls, in ip's order, write `ip -j` members (through the JSON writer) or
// ip's plain text. Printing a record once for both outputs keeps their fields in step.
import { JsonWriter } from './json-writer.js';

export interface Printer {
  readonly json: boolean;
  /** `key: "v"` in JSON; `pre v post` in text (post defaults to one space, as ip's "%s "). */
  s(key: string, pre: string, v: string, post?: string): void;
  /** The same with a number. */
  u(key: string, pre: string, v: number | bigint, post?: string): void;
  /** `key: null` in JSON (ip's print_null), the word in text. */
  flag(key: string, text: string): void;
  /** `key: true|false` in JSON (tc's print_bool); the text as given. */
  bool(key: string, text: string, v: boolean): void;
  /** Text only. */
  text(t: string): void;
  /** An object: a member `key` (or an array element when key is absent); text: nothing. */
  open(key?: string): void;
  close(): void;
  /** An array member `key`; text: nothing. */
  openList(key?: string): void;
  closeList(): void;
  /** An empty array member (`"flags":[]`); text: nothing. */
  emptyList(key: string): void;
  /** An element of the open array: JSON a string; text `v post`. */
  item(v: string, post?: string): void;
  /** The same with a number. */
  itemU(v: number | bigint, post?: string): void;
  /** Text: a newline after the record's line, its trailing blanks dropped (ip rule's lines have none). */
  trimmedLine(): void;
  /** The end of a record: output written so far goes out when there is enough of it. */
  end(): void;
  /** Everything left to the output. */
  finish(): void;
  /**
   * Compact JSON only (else absent): a whole element of the list, written as it is. For
   * records printed by the hundred thousand (a route table), made in one template, not
   * through a call per member.
   */
  element?(json: string): void;
}

class JsonPrinter implements Printer {
  readonly json = true;
  constructor(protected readonly w: JsonWriter) {}
  s(key: string, _pre: string, v: string): void { this.w.str(key, v); }
  u(key: string, _pre: string, v: number | bigint): void { this.w.num(key, v); }
  flag(key: string): void { this.w.key(key).null(); }
  bool(key: string, _text: string, v: boolean): void { this.w.key(key).bool(v); }
  text(): void {}
  open(key?: string): void { if (key !== undefined) this.w.key(key); this.w.object(); }
  close(): void { this.w.endObject(); }
  openList(key?: string): void { if (key !== undefined) this.w.key(key); this.w.array(); }
  closeList(): void { this.w.endArray(); }
  item(v: string): void { this.w.string(v); }
  itemU(v: number | bigint): void { this.w.number(v); }
  emptyList(key: string): void { this.w.emptyList(key); }
  trimmedLine(): void {}
  end(): void { this.w.maybeFlush(); }
  finish(): void { this.w.flush(); }
}

/** JsonPrinter without -p: an element can be written whole. */
class CompactJsonPrinter extends JsonPrinter {
  element(json: string): void { this.w.element(json); }
}

const CHUNK = 1 << 16;

class TextPrinter implements Printer {
  readonly json = false;
  private t = '';
  constructor(private readonly sink: (text: string) => void) {}
  s(_key: string, pre: string, v: string, post = ' '): void { this.t += pre + v + post; }
  u(_key: string, pre: string, v: number | bigint, post = ' '): void { this.t += pre + String(v) + post; }
  flag(_key: string, text: string): void { this.t += `${text} `; }
  bool(_key: string, text: string): void { this.t += text; }
  text(t: string): void { this.t += t; }
  open(): void {}
  close(): void {}
  openList(): void {}
  closeList(): void {}
  item(v: string, post = ' '): void { this.t += v + post; }
  itemU(v: number | bigint, post = ' '): void { this.t += String(v) + post; }
  emptyList(): void {}
  trimmedLine(): void { this.t = `${this.t.trimEnd()}\n`; }
  end(): void { if (this.t.length >= CHUNK) this.finish(); }
  finish(): void {
    if (this.t) this.sink(this.t);
    this.t = '';
  }
}

/**
 * A printer for a list of records: with `json`, the list's brackets are written around them
 * (`[{...},{...}]` and a newline, as ip -j prints a dump).
 */
export function listPrinter(env: { json: boolean; pretty: boolean; out(text: string): void }): Printer {
  if (!env.json) return new TextPrinter(env.out);
  const w = new JsonWriter(env.pretty, env.out);
  w.array();
  const p = env.pretty ? new JsonPrinter(w) : new CompactJsonPrinter(w);
  p.finish = () => {
    w.endArray().raw('\n');
    w.flush();
  };
  return p;
}

/**
 * What `print` prints of one record: its text, or its compact JSON (the object `print` opens
 * and closes) and a newline. Monitors print records one at a time.
 */
export function printed(json: boolean, print: (p: Printer) => void): string {
  let out = '';
  const sink = (t: string) => void (out += t);
  if (!json) {
    const p = new TextPrinter(sink);
    print(p);
    p.finish();
    return out;
  }
  const w = new JsonWriter(false, sink);
  print(new CompactJsonPrinter(w));
  w.raw('\n');
  w.flush();
  return out;
}
