// docs/frontend.md, followed word for word: its sh blocks run in order in an empty folder,
// each file it shows is written there, and the Playwright suite it builds must pass against
// Debian's Chromium. The files it shows are examples/frontend/, byte for byte.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative } from "node:path";
import { test } from "node:test";
import { missing, platform, repo, suite } from "./project.mjs";

const doc = readFileSync(join(repo, "docs", "frontend.md"), "utf8");
const example = join(repo, "examples", "frontend");

/** The fenced blocks of the guide, in order: language, title="…" if any, body. */
function blocks() {
  const out = [];
  const fence = /^```(\w*)(?: title="([^"]+)")?\n([\s\S]*?)^```$/gm;
  for (const m of doc.matchAll(fence)) out.push({ lang: m[1], title: m[2], body: m[3] });
  return out;
}

function files(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? files(join(dir, e.name)) : [relative(example, join(dir, e.name))],
  );
}

test("docs/frontend.md shows every file of examples/frontend/, as it is", () => {
  const shown = blocks().filter((b) => b.title);
  assert.deepEqual(shown.map((b) => b.title).sort(), files(example).sort());
  for (const b of shown) assert.equal(b.body, readFileSync(join(example, b.title), "utf8"), `${b.title} differs`);
});

const chromium = process.env.CHROMIUM ?? "/usr/bin/chromium";
const why =
  missing() ||
  (existsSync(chromium) ? "" : `Chromium is not installed: apt-get install -y chromium (or set CHROMIUM)`) ||
  (platform === "linux-x64" ? "" : `the guide installs the linux-x64 tarball; this is ${platform}`);

suite(
  "docs/frontend.md, word for word, ends in a green Playwright run",
  () => {
    const dir = mkdtempSync(join(tmpdir(), "crmauth-frontend-"));
    process.on("exit", () => rmSync(dir, { recursive: true, force: true }));
    const env = { ...process.env, CRMAUTH_NPM: join(repo, "dist", "npm"), CI: "true" };
    let last = "";
    for (const b of blocks()) {
      if (b.title) {
        mkdirSync(dirname(join(dir, b.title)), { recursive: true });
        writeFileSync(join(dir, b.title), b.body);
      } else if (b.lang === "sh") {
        const r = spawnSync("bash", ["-euo", "pipefail", "-c", b.body], { cwd: dir, env, encoding: "utf8" });
        assert.equal(r.status, 0, `${b.body}\n${r.stdout}\n${r.stderr}`);
        last = r.stdout;
      }
    }
    console.log(last);
    assert.match(last, /\b4 passed\b/);
  },
  why,
);
