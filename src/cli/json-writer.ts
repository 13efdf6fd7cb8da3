// iproute2's json_writer as a string builder: members in the order they are written (ip -j
// writes some keys twice, e.g. a route's `dst` and its encapsulation's `dst`, which an object
// could not hold), -p laid out as ip lays it out, and the text flushed to the output in chunks
// so that a 100,000-route dump streams instead of being held.
const CHUNK = 1 << 16;
const NEEDS_ESCAPE = /["\\\u0000-\u001f\u007f-\uffff]/;

export class JsonWriter {
  private text = '';
  private depth = 0;
  /** Nothing written yet at this level: no comma before the next value. */
  private first = true;

  constructor(private readonly pretty: boolean, private readonly sink: (text: string) => void) {}

  private eor(): void {
    if (!this.first) this.text += ',';
    this.first = false;
  }

  private eol(): void {
    if (this.pretty) this.text += `\n${'    '.repeat(this.depth)}`;
  }

  /** A member's name: the value written next is its value. */
  key(name: string): this {
    if (!this.pretty) {
      // the common case, one concatenation (100,000-route dumps)
      this.text += this.first ? `"${name}":` : `,"${name}":`;
      this.first = true;
      return this;
    }
    this.eor();
    this.eol();
    this.first = true;
    this.text += `"${name}": `;
    return this;
  }

  object(): this {
    this.eor();
    this.text += '{';
    this.depth++;
    this.first = true;
    return this;
  }

  endObject(): this {
    this.depth--;
    if (this.pretty && !this.first) this.eol();
    this.first = false;
    this.text += '}';
    return this;
  }

  array(): this {
    this.eor();
    this.text += this.pretty ? '[ ' : '[';
    this.depth++;
    this.first = true;
    return this;
  }

  endArray(): this {
    this.depth--;
    if (this.pretty && !this.first) this.text += ' ';
    this.first = false;
    this.text += ']';
    return this;
  }

  string(v: string): this {
    this.eor();
    // JSON.stringify only for text that needs escapes: names and addresses nearly never do
    this.text += NEEDS_ESCAPE.test(v) ? JSON.stringify(v) : `"${v}"`;
    return this;
  }

  /** `key: []`, as `[ ]` under -p (a route's usual empty `flags`). */
  emptyList(name: string): this {
    this.key(name);
    if (this.pretty) return this.array().endArray();
    this.text += '[]';
    this.first = false;
    return this;
  }

  number(v: number | bigint): this {
    this.eor();
    this.text += String(v);
    return this;
  }

  null(): this {
    this.eor();
    this.text += 'null';
    return this;
  }

  bool(v: boolean): this {
    this.eor();
    this.text += v ? 'true' : 'false';
    return this;
  }

  /** `key: "v"` in one call (the common case: one concatenation when compact). */
  str(name: string, v: string): this {
    if (this.pretty || NEEDS_ESCAPE.test(v)) return this.key(name).string(v);
    this.text += this.first ? `"${name}":"${v}"` : `,"${name}":"${v}"`;
    this.first = false;
    return this;
  }

  num(name: string, v: number | bigint): this {
    if (this.pretty) return this.key(name).number(v);
    this.text += this.first ? `"${name}":${v}` : `,"${name}":${v}`;
    this.first = false;
    return this;
  }

  /** A whole value (an array element), already JSON text, compact. */
  element(json: string): this {
    this.text += this.first ? json : `,${json}`;
    this.first = false;
    return this;
  }

  /** Text as it is (the newline after a document). */
  raw(t: string): this {
    this.text += t;
    return this;
  }

  /** Hands what is written so far to the output once it is large. */
  maybeFlush(): void {
    if (this.text.length >= CHUNK) this.flush();
  }

  flush(): void {
    if (this.text) this.sink(this.text);
    this.text = '';
  }
}
