// The handles (openRoute, openTc, openNft) expose their object modules as properties made on
// first read: a script that only lists links never builds the route or rule tables.

/** One lazily made property per module on `proto`: built from the handle's `ctx` on first read, then an own property. */
export function defineModules<C>(proto: object, modules: Record<string, (ctx: C) => object>): void {
  for (const [name, make] of Object.entries(modules)) {
    Object.defineProperty(proto, name, {
      configurable: true,
      get(this: { ctx: C }) {
        const m = make(this.ctx);
        Object.defineProperty(this, name, { value: m, enumerable: true });
        return m;
      },
    });
  }
}
