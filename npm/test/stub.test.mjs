// startStub(), connectStub() and both typed clients, from the tarballs, against the real
// binary of the platform package.
import assert from "node:assert/strict";
import { execFileSync, spawn, spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { eventually, install, suite } from "./project.mjs";

const jdoe = { username: "jdoe", password: "s3cret-Passw0rd", organisation: "ps_dev" };
const webApiKey = `Basic ${Buffer.from("EE73C0AE64524371B5DDEFF5F7BB2192:").toString("base64")}`;

suite("startStub, connectStub and the typed clients", async (t) => {
  const project = install();
  // Imported by its name from inside the project, through the package's exports (ESM).
  writeFileSync(join(project, "entry.mjs"), 'export * from "crmauth";\n');
  const { createClient, createAdminClient, startStub, connectStub, StubError } = await import(
    pathToFileURL(join(project, "entry.mjs")).href
  );
  const stub = await startStub();
  t.after(() => stub.close());
  const crm = createClient(stub.baseUrl);

  async function login() {
    const { data, error, response } = await crm.POST("/authentication/token", { body: jdoe });
    assert.equal(response.status, 200, JSON.stringify(error));
    return data.data.token;
  }
  const jti = (token) => JSON.parse(Buffer.from(token.split(".")[1], "base64url")).jti;
  async function release(token) {
    const { error, response } = await crm.POST("/authentication/token/release", { body: { token } });
    return { status: response.status, code: error?.status.code ?? "OK", message: error?.status.message ?? "" };
  }

  await t.beforeEach(() => stub.reset());

  await t.test("the URLs: url answers /healthz, baseUrl is the Web API's", async () => {
    assert.match(stub.url, /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.equal(stub.baseUrl, `${stub.url}/crmapi/rest/v2`);
    assert.equal((await fetch(`${stub.url}/healthz`)).status, 200);
  });

  await t.test("login, count, requests, sessions, release", async () => {
    const token = await login();
    assert.equal(await stub.count({ operation: "Login", code: "OK" }), 1);
    const [entry] = await stub.requests({ operation: "Login" });
    assert.equal(entry.status, 200);
    const sessions = await stub.sessions();
    assert.equal(sessions.length, 1);
    assert.equal(sessions[0].jti, jti(token));
    assert.equal(sessions[0].state, "live");
    assert.equal(sessions[0].holder.username, "jdoe");
    assert.deepEqual(await release(token), { status: 200, code: "OK", message: "" });
    assert.equal((await stub.sessions({ state: "released" })).length, 1);
    assert.equal(await stub.count({ operation: "ReleaseToken", code: "OK", session: jti(token) }), 1);
    assert.equal(await stub.count({ since: new Date(Date.now() + 3_600_000) }), 0, "since takes a Date");
  });

  await t.test("a Web API key's token, with the header the spec declares", async () => {
    const { data, response } = await crm.POST("/authentication/web_api_key/token", {
      headers: { Authorization: webApiKey },
      body: {},
    });
    assert.equal(response.status, 200);
    assert.equal((await stub.sessions())[0].method, "authentication/web_api_key/token");
    assert.equal((await release(data.data.token)).code, "OK");
  });

  await t.test("reset empties sessions and journal", async () => {
    await login();
    assert.deepEqual(await stub.reset(), { fixtures: "embedded" });
    assert.equal((await stub.sessions()).length, 0);
    assert.equal(await stub.count(), 0);
  });

  await t.test("endSession: the token is then refused, as released or as expired", async () => {
    const a = await login();
    const ended = await stub.endSession(jti(a));
    assert.equal(ended.was, "live");
    assert.equal(ended.session.state, "released");
    assert.deepEqual((await release(a)).code, "INVALID_TOKEN");
    const b = await login();
    await stub.endSession(jti(b), "expired");
    assert.equal((await release(b)).code, "TOKEN_EXPIRED");
    await assert.rejects(stub.endSession("0123456789ABCDEF0123456789ABCDEF"), (err) => {
      assert.ok(err instanceof StubError);
      assert.equal(err.status, 404);
      return true;
    });
  });

  await t.test("advanceClock past the idle hour: the token has expired", async () => {
    const token = await login();
    const before = await stub.clock();
    const after = await stub.advanceClock("61m");
    assert.equal(after.unix - before.unix >= 3660, true, `clock moved ${after.unix - before.unix}s`);
    assert.equal((await stub.sessions())[0].state, "expired");
    assert.equal((await release(token)).code, "TOKEN_EXPIRED");
    await assert.rejects(stub.advanceClock("soon"), RangeError);
  });

  await t.test("coverage counts the answers given", async () => {
    await login();
    await crm.POST("/authentication/token", { body: { ...jdoe, password: "wrong" } });
    const coverage = await stub.coverage();
    const text = JSON.stringify(coverage);
    assert.match(text, /INVALID_CREDENTIALS/);
    assert.ok(coverage.operations.length >= 4, text.slice(0, 300));
  });

  await t.test("the admin client is the typed client of /_crmauth/", async () => {
    await login();
    const admin = createAdminClient(stub.url);
    const { data } = await admin.GET("/_crmauth/sessions", { params: { query: { username: "jdoe" } } });
    assert.equal(data.data.count, 1);
    assert.equal(stub.admin.constructor, admin.constructor);
  });

  await t.test("connectStub gives the same object for a stub started elsewhere; its close() leaves it running", async () => {
    await login();
    const other = await connectStub(stub.baseUrl); // the Web API URL works as well as the root
    assert.equal(other.url, stub.url);
    assert.equal(await other.count({ operation: "Login" }), 1);
    await other.close();
    assert.equal((await fetch(`${stub.url}/healthz`)).status, 200);
  });

  await t.test("secrets reach the binary through its environment, never its command line", async (t) => {
    const secret = "a-signing-secret-0123456789abcdef";
    const adminToken = "an-admin-token-9876543210";
    const guarded = await startStub({ secret, adminToken, loginIdleTimeout: "5m", latency: 0 });
    t.after(() => guarded.close());
    const ps = execFileSync("ps", ["-A", "-o", "args="], { encoding: "utf8" });
    assert.match(ps, /serve --listen 127\.0\.0\.1:0 --login-idle-timeout 5m/, "ps shows the stub");
    assert.ok(!ps.includes(secret) && !ps.includes(adminToken), "neither secret on any command line");
    assert.equal(await guarded.count(), 0, "the admin token is sent by the Stub's admin client; start-up's /healthz probes are not in the journal");
    const anonymous = createAdminClient(guarded.url);
    assert.equal((await anonymous.GET("/_crmauth/sessions")).response.status, 401);
    const { data } = await createClient(guarded.baseUrl).POST("/authentication/token", { body: jdoe });
    const sessions = await guarded.sessions();
    assert.equal(sessions[0].idle_seconds, 300, "loginIdleTimeout reached the flag");
    assert.ok(data.data.token);
  });

  await t.test("a binary that fails to start rejects with its standard error", async () => {
    await assert.rejects(startStub({ fixtures: "/nonexistent/fixtures.yaml" }), /failed to start[\s\S]*nonexistent\/fixtures\.yaml/);
    await assert.rejects(startStub({ args: ["--no-such-flag"] }), /no-such-flag/);
  });

  await t.test("close() stops the stub", async () => {
    const s = await startStub();
    assert.equal((await fetch(`${s.url}/healthz`)).status, 200);
    await s.close();
    await assert.rejects(fetch(`${s.url}/healthz`));
    await s.close(); // twice is fine
  });

  await t.test("a Node process that dies, even by SIGKILL, takes its stub along", async () => {
    const script = 'const { startStub } = require("crmauth"); startStub().then((s) => console.log(s.url)); setInterval(() => {}, 1e6);';
    const node = spawn(process.execPath, ["-e", script], { cwd: project, stdio: ["ignore", "pipe", "inherit"] });
    const url = await new Promise((resolve) => node.stdout.setEncoding("utf8").once("data", (d) => resolve(d.trim())));
    assert.equal((await fetch(`${url}/healthz`)).status, 200, "CommonJS require works too");
    node.kill("SIGKILL");
    await eventually(`the stub at ${url} has stopped`, () => fetch(`${url}/healthz`).then(() => false, () => true));
  });

  await t.test("CommonJS: require('crmauth') has the same exports", () => {
    const r = spawnSync(process.execPath, ["-e", 'console.log(Object.keys(require("crmauth")).sort().join(","))'], {
      cwd: project,
      encoding: "utf8",
    });
    assert.equal(r.stdout.trim(), "StubError,connectStub,createAdminClient,createClient,startStub");
  });
});
