// make npm: the npm packages of crmauth, packed as tarballs into dist/npm/ (nothing is published).
//
//   crmauth-<version>.tgz                   the main package: the launcher (bin crmauth), startStub,
//                                           the typed clients (ESM and CommonJS, with .d.ts)
//   crmauth-<platform>-<version>.tgz        @crmauth/<platform>: one release binary each, from
//                                           make dist's dist/bin/<goos>_<goarch>/
//
// The way esbuild and Biome ship native tools: the main package lists the platform packages
// as optionalDependencies; npm installs the one whose os and cpu match. Versions are VERSION's.
// Run from the repository root after `npm ci` (esbuild and TypeScript come from there).
import { execFileSync } from "node:child_process";
import { chmodSync, copyFileSync, cpSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { build } from "esbuild";

const root = process.cwd();
const src = join(root, "npm", "crmauth");
const out = join(root, "dist", "npm");
const stage = join(root, "dist", "npm-stage");
const version = readFileSync(join(root, "VERSION"), "utf8").trim();
if (!/^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$/.test(version)) throw new Error(`VERSION ${JSON.stringify(version)} is not a semantic version`);

// Node's platform and arch names, and Go's.
const platforms = [
  { node: "linux-x64", os: "linux", cpu: "x64", go: "linux_amd64" },
  { node: "linux-arm64", os: "linux", cpu: "arm64", go: "linux_arm64" },
  { node: "darwin-x64", os: "darwin", cpu: "x64", go: "darwin_amd64" },
  { node: "darwin-arm64", os: "darwin", cpu: "arm64", go: "darwin_arm64" },
  { node: "win32-x64", os: "win32", cpu: "x64", go: "windows_amd64" },
  { node: "win32-arm64", os: "win32", cpu: "arm64", go: "windows_arm64" },
];

const template = JSON.parse(readFileSync(join(src, "package.json"), "utf8"));
const json = (file, value) => writeFileSync(file, `${JSON.stringify(value, null, 2)}\n`);

rmSync(stage, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
for (const f of readdirSync(out)) if (f.endsWith(".tgz")) rmSync(join(out, f));

// The main package.
const main = join(stage, "crmauth");
const common = { bundle: true, platform: "node", target: "node20", external: ["openapi-fetch"], logLevel: "warning", legalComments: "none" };
// CommonJS has no import.meta: the URL of the bundle itself stands in for it.
const cjsShim = { define: { "import.meta.url": "__crmauthFileURL" }, banner: { js: 'const __crmauthFileURL = require("node:url").pathToFileURL(__filename).href;' } };
await build({ ...common, entryPoints: [join(src, "src", "index.ts")], format: "esm", outfile: join(main, "dist", "index.mjs") });
await build({ ...common, ...cjsShim, entryPoints: [join(src, "src", "index.ts")], format: "cjs", outfile: join(main, "dist", "index.cjs") });
await build({
  ...common,
  ...cjsShim,
  banner: { js: `#!/usr/bin/env node\n${cjsShim.banner.js}` },
  entryPoints: [join(src, "src", "launcher.ts")],
  format: "cjs",
  outfile: join(main, "bin", "crmauth.js"),
});
chmodSync(join(main, "bin", "crmauth.js"), 0o755);

// Declarations, once for each module format (a package.json beside them says which), next to
// the generated types of the specs they import (../gen/).
const tsc = join(stage, "tsc");
execFileSync(join(root, "node_modules", ".bin", "tsc"), ["-p", join(src, "tsconfig.json"), "--outDir", tsc], { stdio: "inherit" });
for (const [dir, type] of [["esm", "module"], ["cjs", "commonjs"]]) {
  const to = join(main, "dist", "types", dir);
  mkdirSync(to, { recursive: true });
  for (const f of ["index.d.ts", "clients.d.ts", "stub.d.ts"]) copyFileSync(join(tsc, "src", f), join(to, f)); // what index.d.ts reaches
  json(join(to, "package.json"), { type });
}
cpSync(join(src, "gen"), join(main, "dist", "types", "gen"), { recursive: true });
copyFileSync(join(src, "README.md"), join(main, "README.md"));
copyFileSync(join(root, "LICENSE"), join(main, "LICENSE"));
json(join(main, "package.json"), {
  ...template,
  version,
  optionalDependencies: Object.fromEntries(platforms.map((p) => [`@crmauth/${p.node}`, version])),
});

// One package per platform, with the release binary.
for (const p of platforms) {
  const exe = p.os === "win32" ? "crmauth.exe" : "crmauth";
  const from = join(root, "dist", "bin", p.go, exe);
  if (!existsSync(from)) throw new Error(`${from} is missing: run make dist first`);
  const dir = join(stage, p.node);
  mkdirSync(join(dir, "bin"), { recursive: true });
  copyFileSync(from, join(dir, "bin", exe));
  chmodSync(join(dir, "bin", exe), 0o755);
  copyFileSync(join(root, "LICENSE"), join(dir, "LICENSE"));
  writeFileSync(
    join(dir, "README.md"),
    `# @crmauth/${p.node}\n\nThe crmauth binary for ${p.os} on ${p.cpu}. Install the \`crmauth\` package, which runs it; this one is its optional dependency.\n`,
  );
  json(join(dir, "package.json"), {
    name: `@crmauth/${p.node}`,
    version,
    description: `The crmauth stub's binary for ${p.os} ${p.cpu} (used by the crmauth package).`,
    license: template.license,
    repository: template.repository,
    os: [p.os],
    cpu: [p.cpu],
    files: ["bin/", "README.md", "LICENSE"],
    preferUnplugged: true,
  });
}

// npm pack, never publish.
for (const dir of ["crmauth", ...platforms.map((p) => p.node)]) {
  const name = execFileSync("npm", ["pack", "--silent", "--pack-destination", out], { cwd: join(stage, dir), encoding: "utf8" }).trim();
  console.log(`dist/npm/${name}`);
}
rmSync(stage, { recursive: true, force: true });
