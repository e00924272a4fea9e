// startStub and connectStub: the crmauth stub in a JavaScript test suite.
import { type ChildProcess, spawn } from "node:child_process";
import type { components, operations } from "../gen/admin.js";
import { binaryPath } from "./binary.js";
import { type AdminClient, createAdminClient } from "./clients.js";

type Schemas = components["schemas"];

/** A session the stub holds (GET /_crmauth/sessions). */
export type Session = Schemas["Session"];
/** A session's state: live, expired or released. */
export type SessionState = Schemas["SessionState"];
/** One entry of the request journal (GET /_crmauth/requests). */
export type RequestEntry = Schemas["RequestEntry"];
/** Which declared answers the stub gave (GET /_crmauth/coverage). */
export type Coverage = Schemas["Coverage"];
/** The stub's clock (GET /_crmauth/clock). */
export type Clock = Schemas["ClockData"];
/** What reset did with the fixtures. */
export type ResetResult = Schemas["ResetEnvelope"]["data"];
/** The session after endSession, and the state it was in before. */
export type EndedSession = Schemas["EndSessionEnvelope"]["data"];

/**
 * Filters of requests() and count(): every filter given must match. `since` takes a Date or
 * an RFC 3339 time.
 */
export type RequestFilter = Omit<NonNullable<operations["CountRequests"]["parameters"]["query"]>, "since"> & {
  since?: Date | string;
};
/** requests()'s filters, and how many entries at most (the newest). */
export type RequestsFilter = RequestFilter & { limit?: number };
/** Filters of sessions(). */
export type SessionFilter = NonNullable<operations["ListSessions"]["parameters"]["query"]>;
/** How endSession ends a session: as after a release (the default), or as if its time ran out. */
export type EndSessionHow = "released" | "expired";

/**
 * A duration: a number of seconds, or a Go duration string such as "90s", "61m" or "1h30m"
 * (the units h, m, s, ms).
 */
export type Duration = number | string;

/** The options of startStub: what `crmauth serve` flags cover that a suite needs. */
export interface StubOptions {
  /** YAML fixtures file (--fixtures); reset() reads it again. Default: the embedded defaults. */
  fixtures?: string;
  /** How login tokens end (--login-expiry): "idle" (the default) or "fixed". */
  loginExpiry?: "idle" | "fixed";
  /** Idle time after which a login token expires (--login-idle-timeout; default one hour). */
  loginIdleTimeout?: Duration;
  /** Lifetime of a login token with loginExpiry "fixed" (--login-token-lifetime). */
  loginTokenLifetime?: Duration;
  /** Lifetime of key tokens (--key-token-lifetime; default two hours). */
  keyTokenLifetime?: Duration;
  /** Latency added to every CRM.COM method call (--latency). */
  latency?: Duration;
  /** Gateway: token-check CRM.COM's other methods and pass them to this base URL (--upstream). */
  upstream?: string;
  /** CORS origins allowed (--allowed-origins; default any). */
  allowedOrigins?: string[];
  /** HS256 signing secret; reaches the binary as $CRMAUTH_SECRET, never on its command line. */
  secret?: string;
  /** Require this admin token on /_crmauth/; reaches the binary as $CRMAUTH_ADMIN_TOKEN. */
  adminToken?: string;
  /** More `crmauth serve` flags, as written on a command line (no secrets: `ps` shows them). */
  args?: string[];
  /** More environment variables for the binary (the rest of the environment is inherited). */
  env?: Record<string, string>;
  /** The binary to run instead of the platform package's (also: $CRMAUTH_BINARY_PATH). */
  binaryPath?: string;
  /** "inherit" also copies the stub's log (its standard error) to this process's. Default "pipe". */
  stderr?: "pipe" | "inherit";
  /** How long the start may take, in milliseconds (default 30000). */
  startTimeout?: number;
}

/** An answer of the administration routes other than OK. */
export class StubError extends Error {
  /** The HTTP status. */
  readonly status: number;
  /** The envelope's status.code, such as SESSION_NOT_FOUND. */
  readonly code: string;
  constructor(what: string, status: number, code: string, message: string) {
    super(`crmauth stub: ${what}: ${status} ${code}${message ? `: ${message}` : ""}`);
    this.name = "StubError";
    this.status = status;
    this.code = code;
  }
}

/** Seconds in a Duration. */
function durationSeconds(d: Duration): number {
  if (typeof d === "number") {
    if (!Number.isFinite(d) || d < 0) throw new RangeError(`duration ${d}: want seconds, zero or more`);
    return d;
  }
  const unit: Record<string, number> = { h: 3600, m: 60, s: 1, ms: 0.001 };
  const text = d.trim();
  if (!/^(\d+(\.\d+)?(h|ms|m|s))+$/.test(text)) {
    throw new RangeError(`duration "${d}": want a number of seconds or a string like "90s", "61m", "1h30m"`);
  }
  let total = 0;
  for (const [, n, , u] of text.matchAll(/(\d+(\.\d+)?)(h|ms|m|s)/g)) total += Number(n) * unit[u as string]!;
  return total;
}

// goDuration writes a Duration as a `crmauth serve` flag takes it.
function goDuration(d: Duration): string {
  durationSeconds(d); // refuses a malformed one here, with a message, rather than in the binary's
  return typeof d === "number" ? `${d}s` : d.trim();
}

interface Answer<T> {
  data?: { data: T };
  error?: { status?: { code?: string; message?: string } } | unknown;
  response: Response;
}

function unwrap<T>(what: string, answer: Answer<T>): T {
  if (answer.data !== undefined && answer.response.ok) return answer.data.data;
  const status = (answer.error as { status?: { code?: string; message?: string } } | undefined)?.status;
  throw new StubError(what, answer.response.status, status?.code ?? "UNKNOWN", status?.message ?? "");
}

function query(filter: RequestsFilter = {}): NonNullable<operations["ListRequests"]["parameters"]["query"]> {
  const { since, ...rest } = filter;
  return since === undefined ? rest : { ...rest, since: since instanceof Date ? since.toISOString() : since };
}

/**
 * A running stub: its URLs, the typed admin client, and the administration routes as
 * methods that return the answer's data (and throw a StubError otherwise).
 */
export class Stub {
  /** The stub's root URL, like http://127.0.0.1:41234 (its /healthz, /_crmauth/…, documents). */
  readonly url: string;
  /** The CRM.COM Web API base URL: url + "/crmapi/rest/v2" (for createClient). */
  readonly baseUrl: string;
  /** The typed client of the administration routes (the methods below use it). */
  readonly admin: AdminClient;
  /** @internal */
  private readonly stop: () => Promise<void>;

  /** @internal Use startStub or connectStub. */
  constructor(url: string, admin: AdminClient, stop: () => Promise<void>) {
    this.url = url;
    this.baseUrl = `${url}/crmapi/rest/v2`;
    this.admin = admin;
    this.stop = stop;
  }

  /** Back to the start state: no sessions, no failures, clock offset zero, journal and coverage empty, fixtures file read again. */
  async reset(): Promise<ResetResult> {
    return unwrap("reset", await this.admin.POST("/_crmauth/reset"));
  }

  /** The journal's entries that match, newest first (default: the newest 100). */
  async requests(filter?: RequestsFilter): Promise<RequestEntry[]> {
    return unwrap("requests", await this.admin.GET("/_crmauth/requests", { params: { query: query(filter) } })).requests;
  }

  /** How many journal entries match: count({ operation: "Login", code: "OK" }). */
  async count(filter?: RequestFilter): Promise<number> {
    return unwrap("count", await this.admin.GET("/_crmauth/requests/count", { params: { query: query(filter) } })).count;
  }

  /** The sessions the stub holds, in order of issue: live ones and ended ones it still remembers. */
  async sessions(filter?: SessionFilter): Promise<Session[]> {
    return unwrap("sessions", await this.admin.GET("/_crmauth/sessions", { params: { query: filter ?? {} } })).sessions;
  }

  /** Ends a live session from the server side: its token is then refused as released (the default) or expired. */
  async endSession(jti: string, how: EndSessionHow = "released"): Promise<EndedSession> {
    return unwrap(
      "endSession",
      await this.admin.DELETE("/_crmauth/sessions/{jti}", { params: { path: { jti }, query: { as: how } } }),
    );
  }

  /** Moves the stub's clock forward: advanceClock("61m") ends a login token left idle. */
  async advanceClock(duration: Duration): Promise<Clock> {
    return unwrap(
      "advanceClock",
      await this.admin.POST("/_crmauth/clock/advance", { body: { seconds: durationSeconds(duration) } }),
    );
  }

  /** The stub's time now. */
  async clock(): Promise<Clock> {
    return unwrap("clock", await this.admin.GET("/_crmauth/clock"));
  }

  /** Which declared answers of the four methods the stub gave since start or reset. */
  async coverage(): Promise<Coverage> {
    return unwrap("coverage", await this.admin.GET("/_crmauth/coverage"));
  }

  /** Stops the stub this process started (and waits for it); for connectStub's, does nothing. */
  close(): Promise<void> {
    return this.stop();
  }
}

async function healthy(url: string, deadline: number): Promise<void> {
  let last: unknown;
  do {
    try {
      const res = await fetch(`${url}/healthz`);
      await res.body?.cancel();
      if (res.ok) return;
      last = new Error(`/healthz answered ${res.status}`);
    } catch (err) {
      last = err;
    }
    await new Promise((r) => setTimeout(r, 50));
  } while (Date.now() < deadline);
  throw new Error(`crmauth stub at ${url} is not healthy: ${(last as Error)?.message ?? last}`);
}

/** The connectStub options. */
export interface ConnectOptions {
  /** The stub's admin token, when it requires one. */
  adminToken?: string;
  /** How long to wait for /healthz, in milliseconds (default 30000). */
  timeout?: number;
}

/**
 * connectStub gives the Stub object for a stub started elsewhere (by Playwright's global
 * set-up, by `crmauth serve`, in a container) once its /healthz answers. close() leaves it running.
 */
export async function connectStub(url: string, options: ConnectOptions = {}): Promise<Stub> {
  const root = url.replace(/\/+$/, "").replace(/\/crmapi\/rest\/v2$/, "");
  await healthy(root, Date.now() + (options.timeout ?? 30_000));
  return new Stub(root, createAdminClient(root, { adminToken: options.adminToken }), async () => {});
}

// The children this process started and has not stopped: stopped when it exits.
const children = new Set<ChildProcess>();
let exitHook = false;

function serveArgs(o: StubOptions): string[] {
  const args = ["serve", "--listen", "127.0.0.1:0"];
  if (o.fixtures !== undefined) args.push("--fixtures", o.fixtures);
  if (o.loginExpiry !== undefined) args.push("--login-expiry", o.loginExpiry);
  if (o.loginIdleTimeout !== undefined) args.push("--login-idle-timeout", goDuration(o.loginIdleTimeout));
  if (o.loginTokenLifetime !== undefined) args.push("--login-token-lifetime", goDuration(o.loginTokenLifetime));
  if (o.keyTokenLifetime !== undefined) args.push("--key-token-lifetime", goDuration(o.keyTokenLifetime));
  if (o.latency !== undefined) args.push("--latency", goDuration(o.latency));
  if (o.upstream !== undefined) args.push("--upstream", o.upstream);
  if (o.allowedOrigins !== undefined) args.push("--allowed-origins", o.allowedOrigins.join(","));
  return [...args, ...(o.args ?? [])];
}

const startLine = /^crmauth stub: (http:\/\/\S+) /m;

/**
 * startStub starts the crmauth binary on a free loopback port and resolves once its /healthz
 * answers. The stub stops on close() and when this process exits, even by SIGKILL (it watches
 * its standard input, a pipe from this process). A binary that fails to start rejects the
 * promise with its standard error.
 */
export async function startStub(options: StubOptions = {}): Promise<Stub> {
  const bin = options.binaryPath ?? binaryPath();
  const env: Record<string, string | undefined> = {
    ...process.env,
    ...options.env,
    CRMAUTH_EXIT_ON_STDIN_CLOSE: "true",
  };
  // Secrets travel in the environment: a command line is visible to every user (ps).
  if (options.secret !== undefined) env.CRMAUTH_SECRET = options.secret;
  if (options.adminToken !== undefined) env.CRMAUTH_ADMIN_TOKEN = options.adminToken;
  const child = spawn(bin, serveArgs(options), { stdio: ["pipe", "pipe", "pipe"], env, windowsHide: true });
  children.add(child);
  if (!exitHook) {
    exitHook = true;
    process.on("exit", () => {
      for (const c of children) c.kill("SIGTERM");
    });
  }
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  exited.then(() => children.delete(child));

  let stderr = "";
  child.stderr!.setEncoding("utf8");
  child.stderr!.on("data", (chunk: string) => {
    stderr = (stderr + chunk).slice(-64 * 1024);
    if (options.stderr === "inherit") process.stderr.write(chunk);
  });
  let stdout = "";
  child.stdout!.setEncoding("utf8");
  const timeout = options.startTimeout ?? 30_000;
  const deadline = Date.now() + timeout;

  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`crmauth stub did not start within ${timeout} ms:\n${stderr}`));
    }, timeout);
    const fail = (why: string) => {
      clearTimeout(timer);
      reject(new Error(`crmauth stub failed to start (${bin} ${why}):\n${stderr.trim()}`));
    };
    child.once("error", (err) => fail(`could not run: ${err.message}`));
    // "close", not "exit": it comes once standard error has been read to its end.
    child.once("close", (code, signal) => fail(signal ? `killed by ${signal}` : `exited with ${code}`));
    child.stdout!.on("data", (chunk: string) => {
      stdout += chunk;
      const m = startLine.exec(stdout);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    });
  });
  child.stdout!.resume();
  await healthy(url, deadline);
  // The stub must not keep this process alive: a suite that forgets close() still ends,
  // and its end closes the stub's standard input, which stops the stub.
  child.unref();
  for (const s of [child.stdin, child.stdout, child.stderr]) (s as unknown as { unref?: () => void })?.unref?.();

  const admin = createAdminClient(url, { adminToken: options.adminToken });
  // The stub journals /healthz too: forget this start's probes, so that requests() and
  // count() hold only what the suite did. (No admin routes, --admin=false: nothing to forget.)
  await admin.DELETE("/_crmauth/requests").catch(() => undefined);

  const stop = async () => {
    child.ref(); // waiting for the exit must keep this process alive
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
    await exited;
  };
  return new Stub(url, admin, stop);
}
