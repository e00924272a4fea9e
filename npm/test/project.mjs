// What the Node suites share: the tarballs of make npm, installed into a throwaway project as
// a frontend team installs them (never by name from the registry), and the house rule for a
// missing prerequisite: skip with the reason, fail instead when CI=true.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";

export const repo = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
export const version = readFileSync(join(repo, "VERSION"), "utf8").trim();
export const platform = `${process.platform}-${process.arch}`;
export const tarballs = [
  join(repo, "dist", "npm", `crmauth-${version}.tgz`),
  join(repo, "dist", "npm", `crmauth-${platform}-${version}.tgz`),
];
export const inCI = process.env.CI === "true";

/** Why the suites cannot run here, or "" when they can. */
export function missing() {
  const absent = tarballs.filter((f) => !existsSync(f));
  return absent.length ? `${absent.join(", ")} missing: run make npm (after make dist)` : "";
}

/**
 * suite is node:test's test() for a file's tests that need the tarballs: skipped with the
 * reason when they are missing, failed instead in CI.
 */
export function suite(name, fn, why = missing()) {
  if (!why) return test(name, fn);
  if (inCI) return test(name, () => assert.fail(`${why} (CI=true: a missing prerequisite fails)`));
  return test(name, { skip: why }, () => {});
}

/**
 * install makes a temporary project with the two tarballs installed by path, as
 * docs/frontend.md does (--omit=optional: npm would look the platform package up by name),
 * and returns its directory; removed when the process ends.
 */
export function install() {
  const dir = mkdtempSync(join(tmpdir(), "crmauth-npm-"));
  process.on("exit", () => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, "package.json"), JSON.stringify({ name: "frontend", private: true }));
  execFileSync(
    "npm",
    ["install", "--save-dev", "--omit=optional", "--no-audit", "--no-fund", "--prefer-offline", ...tarballs],
    { cwd: dir, stdio: ["ignore", "ignore", "inherit"] },
  );
  return dir;
}

/** A free loopback port. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

/** Polls until check() is true; the deadline only bounds a hang. */
export async function eventually(what, check, ms = 15_000) {
  const end = Date.now() + ms;
  for (;;) {
    if (await check()) return;
    if (Date.now() > end) assert.fail(`still not so after ${ms} ms: ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** Whether a process is alive (signal 0 is sent to nothing: it only checks). */
export function alive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** The PIDs of pid's children, from ps (Linux, macOS). */
export function childrenOf(pid) {
  return execFileSync("ps", ["-A", "-o", "pid=,ppid="], { encoding: "utf8" })
    .trim()
    .split("\n")
    .map((l) => l.trim().split(/\s+/).map(Number))
    .filter(([, ppid]) => ppid === pid)
    .map(([p]) => p);
}
