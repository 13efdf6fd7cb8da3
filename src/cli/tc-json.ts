// `tc -j` output as tc's json_writer makes it: members in tc's order, and the same key more
// than once where tc repeats it (u32's "match", one per key), which a plain object cannot
// hold. An Ordered is a list of members; toText writes it compact (-j) or laid out (-j -p).

export type Json = string | number | bigint | boolean | null | Json[] | Ordered;

export class Ordered {
  readonly members: [string, Json][] = [];
  /** Adds a member (undefined: nothing); chainable. */
  add(key: string, v: Json | undefined): this {
    if (v !== undefined) this.members.push([key, v]);
    return this;
  }
}

function compact(v: Json): string {
  if (v instanceof Ordered) return `{${v.members.map(([k, x]) => `${JSON.stringify(k)}:${compact(x)}`).join(',')}}`;
  if (Array.isArray(v)) return `[${v.map(compact).join(',')}]`;
  if (typeof v === 'bigint') return v.toString();
  return JSON.stringify(v);
}

function pretty(v: Json, depth: number): string {
  const pad = (d: number) => '    '.repeat(d);
  if (v instanceof Ordered) {
    if (!v.members.length) return '{}';
    return `{${v.members.map(([k, x]) => `\n${pad(depth + 1)}${JSON.stringify(k)}: ${pretty(x, depth + 1)}`).join(',')}\n${pad(depth)}}`;
  }
  if (Array.isArray(v)) return v.length ? `[ ${v.map((x) => pretty(x, depth + 1)).join(',')} ]` : '[ ]';
  return compact(v);
}

export function jsonText(v: Json, layout: boolean): string {
  return `${layout ? pretty(v, 0) : compact(v)}\n`;
}
