// A struct attribute the codec could not read (shorter than the uapi struct: another kernel's
// layout, or a hostile message) arrives as its bytes. Views treat it as absent instead of
// reading fields that are not there.

/** The decoded struct, or undefined when it came as bytes (or not at all). */
export const struct = <T>(v: T | Buffer | undefined): T | undefined => (v === undefined || Buffer.isBuffer(v) ? undefined : v);
