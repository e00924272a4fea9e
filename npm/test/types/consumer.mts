// Uses every export of crmauth, checked by tsc --strict --noEmit (types.test.mjs), as ESM.
// Each @ts-expect-error line proves that the types refuse a call: tsc fails if it compiles.
import {
  connectStub,
  createAdminClient,
  createClient,
  startStub,
  StubError,
  type AdminClient,
  type AdminClientInit,
  type adminComponents,
  type adminOperations,
  type adminPaths,
  type ClientInit,
  type Clock,
  type components,
  type ConnectOptions,
  type Coverage,
  type CrmClient,
  type Duration,
  type EndedSession,
  type EndSessionHow,
  type operations,
  type paths,
  type RequestEntry,
  type RequestFilter,
  type RequestsFilter,
  type ResetResult,
  type Session,
  type SessionFilter,
  type SessionState,
  type Stub,
  type StubOptions,
} from "crmauth";

export async function everything(): Promise<void> {
  const options: StubOptions = {
    fixtures: "fixtures.yaml",
    loginExpiry: "fixed",
    loginIdleTimeout: "61m",
    loginTokenLifetime: 7200,
    keyTokenLifetime: "2h",
    latency: 0.05,
    upstream: "http://127.0.0.1:4010",
    allowedOrigins: ["http://localhost:5173"],
    secret: "s",
    adminToken: "t",
    args: ["--log-level", "warn"],
    env: { CRMAUTH_LOG_FORMAT: "json" },
    stderr: "inherit",
    startTimeout: 10_000,
  };
  const stub: Stub = await startStub(options);
  const connectOptions: ConnectOptions = { adminToken: "t", timeout: 1000 };
  const same: Stub = await connectStub(stub.url, connectOptions);
  const init: ClientInit = { headers: { "X-Trace": "1" } };
  const crm: CrmClient = createClient(stub.baseUrl, init);
  const adminInit: AdminClientInit = { adminToken: "t" };
  const admin: AdminClient = createAdminClient(stub.url, adminInit);

  const login = await crm.POST("/authentication/token", {
    body: { username: "jdoe", password: "s3cret-Passw0rd", organisation: "ps_dev", unit: "2" },
  });
  const token: string | undefined = login.data?.data.token;
  await crm.POST("/authentication/token/release", { body: { token: token ?? "" } });

  // @ts-expect-error a login without a password
  await crm.POST("/authentication/token", { body: { username: "jdoe", organisation: "ps_dev" } });
  // @ts-expect-error a member of the wrong type (the unit is a string)
  await crm.POST("/authentication/token", { body: { username: "jdoe", password: "p", organisation: "o", unit: 2 } });
  // @ts-expect-error a path the spec does not declare
  await crm.POST("/authentication/logout", { body: {} });
  // @ts-expect-error a method the spec does not declare for the path
  await crm.GET("/authentication/token");

  // An unknown member is not refused through openapi-fetch's generic body; annotate the body
  // with the generated type to get TypeScript's excess-property check (docs/frontend.md):
  const body: components["schemas"]["LoginRequest"] = {
    username: "jdoe",
    password: "p",
    organisation: "o",
    // @ts-expect-error an unknown member, on a const annotated with the generated type
    remember: true,
  };
  await crm.POST("/authentication/token", { body });

  const reset: ResetResult = await stub.reset();
  const filter: RequestFilter = { operation: "Login", code: "OK", status: 200, since: new Date() };
  const many: RequestsFilter = { ...filter, limit: 10 };
  const entries: RequestEntry[] = await stub.requests(many);
  const n: number = await stub.count(filter);
  const sessionFilter: SessionFilter = { state: "live", username: "jdoe", limit: 5 };
  const sessions: Session[] = await stub.sessions(sessionFilter);
  const state: SessionState | undefined = sessions[0]?.state;
  const how: EndSessionHow = "expired";
  const ended: EndedSession = await stub.endSession(sessions[0]?.jti ?? "", how);
  const d: Duration = "1h1m";
  const clock: Clock = await stub.advanceClock(d);
  const now: Clock = await stub.clock();
  const coverage: Coverage = await stub.coverage();
  // @ts-expect-error a session state the spec does not declare
  await stub.sessions({ state: "gone" });
  // @ts-expect-error endSession ends a session as released or expired, nothing else
  await stub.endSession("jti", "deleted");

  const direct = await admin.GET("/_crmauth/requests/count", { params: { query: { operation: "Login" } } });
  const count: number | undefined = direct.data?.data.count;
  // @ts-expect-error the admin routes take seconds as a number
  await admin.POST("/_crmauth/clock/advance", { body: { seconds: "3600" } });

  const p: keyof paths = "/authentication/token";
  const ap: keyof adminPaths = "/_crmauth/reset";
  const op: keyof operations = "Login";
  const aop: keyof adminOperations = "Reset";
  const session: adminComponents["schemas"]["Session"] | undefined = sessions[0];
  try {
    await stub.endSession("nope");
  } catch (err) {
    if (err instanceof StubError) console.log(err.status, err.code);
  }
  console.log(reset, entries, n, state, ended, clock, now, coverage, count, p, ap, op, aop, session, same);
  await stub.close();
}
