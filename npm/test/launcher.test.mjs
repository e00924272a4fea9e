// The crmauth command of the npm package (node_modules/.bin/crmauth), installed from the
// tarballs: it runs the platform's binary with the arguments, streams, signals and exit code
// passed through, and leaves no process behind however it ends.
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { alive, childrenOf, eventually, freePort, install, suite, version } from "./project.mjs";

suite("the crmauth command from the tarballs", async (t) => {
  const project = install();
  const bin = join(project, "node_modules", ".bin", "crmauth");

  // start runs `crmauth serve` through the launcher and returns it, the binary's PID and the URL.
  async function start() {
    const port = await freePort();
    const launcher = spawn(bin, ["serve", "--listen", `127.0.0.1:${port}`, "--log-level", "warn"], {
      stdio: ["ignore", "pipe", "inherit"],
    });
    const url = await new Promise((resolve, reject) => {
      let out = "";
      launcher.stdout.setEncoding("utf8").on("data", (c) => {
        out += c;
        const m = /crmauth stub: (http:\/\/\S+) /.exec(out);
        if (m) resolve(m[1]);
      });
      launcher.once("exit", (code) => reject(new Error(`launcher exited ${code} before the stub started`)));
    });
    const [stub] = childrenOf(launcher.pid);
    assert.ok(stub, "the launcher has a child: the binary");
    const exited = new Promise((resolve) => launcher.once("exit", (code, signal) => resolve({ code, signal })));
    return { launcher, stub, url, exited };
  }

  async function login(url, password = "s3cret-Passw0rd") {
    return fetch(`${url}/crmapi/rest/v2/authentication/token`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ username: "jdoe", password, organisation: "ps_dev" }),
    });
  }

  await t.test("version prints the binary's version", () => {
    const r = spawnSync(bin, ["version"], { encoding: "utf8" });
    assert.equal(r.status, 0, r.stderr);
    // The release binaries of make dist are stamped with VERSION, the packages' version too.
    assert.ok(r.stdout.startsWith(`crmauth ${version} `), `want "crmauth ${version} …", got ${r.stdout}`);
  });

  await t.test("serve answers a login, and SIGTERM stops launcher and binary, exit 0", async () => {
    const { launcher, stub, url, exited } = await start();
    const res = await login(url);
    assert.equal(res.status, 200);
    assert.equal((await res.json()).status.code, "OK");
    launcher.kill("SIGTERM");
    assert.deepEqual(await exited, { code: 0, signal: null }, "the binary's clean shutdown, passed through");
    await eventually(`binary ${stub} has ended`, () => !alive(stub));
  });

  await t.test("a launcher killed with SIGKILL leaves no crmauth process", async () => {
    const { launcher, stub, url, exited } = await start();
    assert.equal((await login(url)).status, 200);
    launcher.kill("SIGKILL"); // cannot be caught or passed on: the binary sees its stdin close
    assert.equal((await exited).signal, "SIGKILL");
    await eventually(`binary ${stub} has ended`, () => !alive(stub));
    await assert.rejects(fetch(`${url}/healthz`), "nothing listens any more");
  });

  await t.test("token with a wrong password exits with the binary's code", async () => {
    const { launcher, url, exited } = await start();
    const args = ["token", "-server", url, "-username", "jdoe", "-organisation", "ps_dev", "-attempts", "1"];
    const env = { ...process.env, CRMAUTH_PASSWORD: "wrong" };
    const viaLauncher = spawnSync(bin, args, { encoding: "utf8", env });
    const direct = spawnSync(join(project, "node_modules", "@crmauth", process.platform + "-" + process.arch, "bin", "crmauth"), args, {
      encoding: "utf8",
      env,
    });
    assert.equal(direct.status, 1, "the binary's own code for a refused login");
    assert.equal(viaLauncher.status, direct.status);
    assert.match(viaLauncher.stderr, /INVALID_CREDENTIALS/, "the binary's standard error, passed through");
    assert.equal(viaLauncher.stdout, "", "no token printed");
    const ok = spawnSync(bin, args, { encoding: "utf8", env: { ...env, CRMAUTH_PASSWORD: "s3cret-Passw0rd" } });
    assert.equal(ok.status, 0, ok.stderr);
    assert.match(ok.stdout, /^eyJ[\w-]+\.[\w-]+\.[\w-]+\n$/, "the token on standard output");
    // Standard input reaches the binary too: release - reads the token from it.
    const released = spawnSync(bin, ["release", "-server", url, "-"], { encoding: "utf8", input: ok.stdout });
    assert.equal(released.status, 0, released.stderr);
    launcher.kill("SIGINT");
    assert.equal((await exited).code, 0);
  });

  await t.test("an unsupported platform is told which platforms exist", () => {
    const fake = join(project, "fake-platform.cjs");
    writeFileSync(fake, 'Object.defineProperty(process, "platform", { value: "sunos" });\n');
    const r = spawnSync(process.execPath, ["-r", fake, bin, "version"], { encoding: "utf8" });
    assert.equal(r.status, 1);
    assert.match(r.stderr, /no binary for sunos-/);
    assert.match(r.stderr, /linux-x64, linux-arm64, darwin-x64, darwin-arm64, win32-x64, win32-arm64/);
  });

  await t.test("a supported platform whose package is not installed names the package", () => {
    const fake = join(project, "fake-arch.cjs");
    const other = process.arch === "x64" ? "arm64" : "x64";
    writeFileSync(fake, `Object.defineProperty(process, "arch", { value: "${other}" });\n`);
    const r = spawnSync(process.execPath, ["-r", fake, bin, "version"], { encoding: "utf8" });
    assert.equal(r.status, 1);
    assert.match(r.stderr, new RegExp(`@crmauth/${process.platform}-${other}.*is not installed`));
  });
});
