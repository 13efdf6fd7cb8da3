// Builds the addon for every platform the npm package ships prebuilt, into
// prebuilds/<platform>-<arch>/nlkit.napi.<libc>.node, the names node-gyp-build looks for.
// N-API addons are ABI-stable: one build per CPU and C library serves every Node >= 20.
//
//   npm run build:prebuilds      all targets whose compiler is installed (the others are listed)
//   npm run build:prebuilds -- --all   fail unless every target was built (`npm pack` runs this)
//   --target linux-x64-glibc    only that one;  --out DIR   write DIR/prebuilds/... instead
//   --verify                    also load each binary and use a socket through it (see `probe`)
//
// The binaries are not committed: `npm pack` builds them into the tarball and removes them
// afterwards, so a checkout always runs the addon compiled from its own source.
//
// Compilers (Debian): gcc (x64 glibc), musl-tools (x64 musl: musl-gcc), gcc-aarch64-linux-gnu
// (arm64 glibc, and arm64 musl: see below). Flags come from binding.gyp so the prebuilt and
// the locally built addon are the same code.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/**
 * One line per shipped binary. `flags` are added to binding.gyp's.
 *
 * arm64 musl: Debian has no aarch64 musl toolchain, so the addon is built with the glibc
 * cross compiler against no C library at all (-nostdlib): it keeps only plain POSIX and
 * Linux calls, which resolve at load time from the process's own libc (the node binary
 * links it), and no glibc-only symbol (fortified *_chk calls, __cmsg_nxthdr) or symbol
 * version. Struct layouts it touches (msghdr, mmsghdr, cmsghdr, ucred, sockaddr_nl) are the
 * kernel's on 64-bit little-endian under both libraries.
 */
const ARM64_QEMU = ['qemu-aarch64', '-L', '/usr/aarch64-linux-gnu'];
const GLIBC_PROBE = ['-rdynamic', '-ldl'];

/*
 * `probe`: how --verify builds and runs scripts/napi-probe.c, which loads the binary with
 * stand-ins for Node's N-API and opens, uses and closes a netlink socket through it. arm64
 * runs under qemu-user (Debian: qemu-user) with Debian's arm64 glibc; there is no arm64
 * musl in Debian, so the arm64 musl binary is probed under glibc, which shows it loads and
 * links against a C library by plain names, not that musl's loader takes it.
 */
export const TARGETS = [
  { dir: 'linux-x64', libc: 'glibc', cc: 'gcc', flags: [], probe: { cc: 'gcc', flags: GLIBC_PROBE, run: [] } },
  // musl-gcc searches only musl's headers: the kernel's uapi headers are added after them
  {
    dir: 'linux-x64', libc: 'musl', cc: 'musl-gcc', flags: [], kernelHeaders: 'x86_64-linux-gnu',
    probe: { cc: 'musl-gcc', flags: ['-Wl,--export-dynamic'], run: [] },
  },
  {
    dir: 'linux-arm64', libc: 'glibc', cc: 'aarch64-linux-gnu-gcc', flags: [],
    probe: { cc: 'aarch64-linux-gnu-gcc', flags: GLIBC_PROBE, run: ARM64_QEMU },
  },
  {
    dir: 'linux-arm64', libc: 'musl', cc: 'aarch64-linux-gnu-gcc',
    flags: ['-nostdlib', '-U_FORTIFY_SOURCE', '-D_FORTIFY_SOURCE=0', '-fno-stack-protector'],
    probe: { cc: 'aarch64-linux-gnu-gcc', flags: GLIBC_PROBE, run: ARM64_QEMU },
  },
];

export function outputPath(t, base = root) {
  return join(base, 'prebuilds', t.dir, `nlkit.napi.${t.libc}.node`);
}

/** Node's headers (node_api.h, uv.h): those of the running node, or node-gyp's download. */
function nodeIncludeDir() {
  const candidates = [
    join(dirname(dirname(process.execPath)), 'include', 'node'),
    join(process.env.HOME ?? '', '.cache', 'node-gyp', process.versions.node, 'include', 'node'),
  ];
  for (const dir of candidates) {
    try {
      readFileSync(join(dir, 'node_api.h'));
      return dir;
    } catch {
      // next
    }
  }
  throw new Error(`node_api.h not found in ${candidates.join(' or ')}: run npm run build:native once (node-gyp fetches the headers)`);
}

function gypTarget() {
  const gyp = JSON.parse(readFileSync(join(root, 'binding.gyp'), 'utf8'));
  return gyp.targets[0];
}

function hasCompiler(cc) {
  return spawnSync(cc, ['--version'], { stdio: 'ignore' }).status === 0;
}

/** A directory with only the kernel's uapi headers (linux/, asm/, asm-generic/) for a compiler that lacks them. */
function kernelHeaderDir(multiarch) {
  const dir = join(root, 'build', 'prebuild-include', multiarch);
  mkdirSync(dir, { recursive: true });
  for (const [name, target] of [['linux', '/usr/include/linux'], ['asm', `/usr/include/${multiarch}/asm`], ['asm-generic', '/usr/include/asm-generic']]) {
    rmSync(join(dir, name), { force: true });
    symlinkSync(target, join(dir, name));
  }
  return dir;
}

function build(t, include, gyp, base) {
  const out = outputPath(t, base);
  mkdirSync(dirname(out), { recursive: true });
  const args = [
    ...(t.kernelHeaders ? ['-idirafter', kernelHeaderDir(t.kernelHeaders)] : []),
    ...gyp.cflags, ...gyp.defines.map((d) => `-D${d}`), `-DNODE_GYP_MODULE_NAME=${gyp.target_name}`,
    '-fPIC', '-shared', '-I', include, ...t.flags, '-o', out, ...gyp.sources.map((s) => join(root, s)),
  ];
  execFileSync(t.cc, args, { stdio: 'inherit' });
  // no debug info or symbol table in the package
  const strip = t.cc.endsWith('gcc') ? t.cc.replace(/(musl-)?gcc$/, 'strip') : 'strip';
  execFileSync(hasCompiler(strip) ? strip : 'strip', ['--strip-unneeded', out]);
  return out;
}

/** Builds the N-API probe for t and runs it on t's binary; returns its report. */
function verify(t, include, out) {
  const probe = join(dirname(out), `.probe-${t.libc}`);
  const headers = t.kernelHeaders ? ['-idirafter', kernelHeaderDir(t.kernelHeaders)] : [];
  execFileSync(t.probe.cc, ['-O1', '-I', include, ...headers, '-o', probe, join(root, 'scripts', 'napi-probe.c'), ...t.probe.flags],
    { stdio: 'inherit' });
  try {
    const [cmd, ...args] = [...t.probe.run, probe, out];
    return execFileSync(cmd, args, { encoding: 'utf8' }).trim().replace(/\n/g, '; ');
  } finally {
    rmSync(probe, { force: true });
  }
}

function option(name) {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : undefined;
}

function main() {
  const all = process.argv.includes('--all');
  const only = option('--target');
  const base = option('--out') ?? root;
  const include = nodeIncludeDir();
  const gyp = gypTarget();
  const missing = [];
  const targets = TARGETS.filter((t) => !only || `${t.dir}-${t.libc}` === only);
  if (!targets.length) throw new Error(`no target ${only}; known: ${TARGETS.map((t) => `${t.dir}-${t.libc}`).join(', ')}`);
  for (const t of targets) {
    if (!hasCompiler(t.cc)) {
      missing.push(`${t.dir} ${t.libc}: ${t.cc} is not installed`);
      continue;
    }
    const out = build(t, include, gyp, base);
    console.log(`built ${out}`);
    if (process.argv.includes('--verify')) console.log(`  probe: ${verify(t, include, out)}`);
  }
  for (const m of missing) console.error(`skipped ${m}`);
  if (all && missing.length) process.exit(1);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) main();
