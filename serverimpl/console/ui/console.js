// The crmauth console: a client of the stub's admin routes (api/admin.yaml), nothing more.
// Plain script, no build step. Every value that comes from a request (a username, a path, a
// reason) is put into the page as text (textContent), never as markup.
"use strict";

(() => {
  const POLL_MS = 1000; // the bound: at most one poll a second
  const TOKEN_KEY = "crmauth-admin-token"; // sessionStorage: this tab only
  const $ = (id) => document.getElementById(id);

  // el builds an element; strings among the children become text nodes.
  const el = (tag, props, ...children) => {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(props || {})) {
      if (v === undefined || v === null || v === false) continue;
      if (k === "class") e.className = v;
      else if (k === "text") e.textContent = v;
      else if (k.startsWith("on")) e.addEventListener(k.slice(2), v);
      else e.setAttribute(k, v === true ? "" : String(v));
    }
    for (const c of children.flat()) if (c !== null && c !== undefined) e.append(c);
    return e;
  };

  // --- The admin routes -------------------------------------------------------------------

  let token = sessionStorage.getItem(TOKEN_KEY) || "";
  let needToken = false;

  class Refused extends Error {}

  // api calls an admin route and returns the envelope's data; a refused admin token shows the
  // token form and throws Refused.
  const api = async (method, path, body) => {
    const headers = {};
    if (token) headers.Authorization = "Bearer " + token;
    if (body !== undefined) headers["Content-Type"] = "application/json";
    const res = await fetch(path, {
      method, headers, body: body === undefined ? undefined : JSON.stringify(body),
      cache: "no-store", credentials: "omit",
    });
    let env = null;
    try { env = await res.json(); } catch { /* not the envelope */ }
    if (res.status === 401) {
      askToken(token ? "That token was refused: it is not this stub's admin token." : "");
      throw new Refused();
    }
    if (!res.ok || !env || !env.status || env.status.code !== "OK") {
      const msg = env && env.status ? `${env.status.code}: ${env.status.message || env.status.description}` : `HTTP ${res.status}`;
      throw new Error(`${method} ${path}: ${msg}`);
    }
    problem("");
    return env.data;
  };

  const problem = (text) => {
    $("problem").textContent = text;
    $("problem").hidden = !text;
  };

  const failed = (err) => {
    if (!(err instanceof Refused)) problem(err instanceof TypeError ? "The stub does not answer: is it running?" : String(err.message || err));
  };

  const askToken = (error) => {
    needToken = true;
    $("login").hidden = false;
    $("login-error").textContent = error;
    if (document.activeElement !== $("token")) $("token").focus();
  };

  $("login-form").addEventListener("submit", async (ev) => {
    ev.preventDefault();
    token = $("token").value.trim();
    try {
      await api("GET", "/_crmauth/clock");
    } catch (err) {
      failed(err);
      return;
    }
    sessionStorage.setItem(TOKEN_KEY, token);
    needToken = false;
    $("login").hidden = true;
    $("token").value = "";
    refresh();
  });

  // --- Time -------------------------------------------------------------------------------

  // offset is the stub's clock minus this computer's, from the last answer that said it.
  let offset = 0;
  const stubNow = () => Date.now() + offset;
  const noteClock = (data) => { offset = Date.parse(data.now) - Date.now(); };

  const hms = (iso) => iso.slice(11, 19);
  const dateTime = (ms) => new Date(ms).toISOString().replace("T", " ").slice(0, 19) + " UTC";

  // span says how long ms is: "59 min 58 s", "1 h 02 min", "2 d 3 h".
  const span = (ms) => {
    const s = Math.max(0, Math.floor(ms / 1000));
    const d = Math.floor(s / 86400), h = Math.floor(s / 3600) % 24, m = Math.floor(s / 60) % 60, sec = s % 60;
    if (d) return `${d} d ${h} h`;
    if (h) return `${h} h ${String(m).padStart(2, "0")} min`;
    if (m) return `${m} min ${String(sec).padStart(2, "0")} s`;
    return `${sec} s`;
  };

  // --- Views ------------------------------------------------------------------------------

  const views = ["requests", "sessions", "clock", "coverage"];
  let view = "requests";

  const show = (name, focus) => {
    view = name;
    for (const v of views) {
      const tab = $("tab-" + v), selected = v === name;
      tab.setAttribute("aria-selected", String(selected));
      tab.tabIndex = selected ? 0 : -1;
      $(v).hidden = !selected;
      if (selected && focus) tab.focus();
    }
    refresh();
  };

  for (const v of views) $("tab-" + v).addEventListener("click", () => show(v));
  $("tabs").addEventListener("keydown", (ev) => { // arrow keys move between tabs (WAI-ARIA tabs)
    const i = views.indexOf(view);
    const to = { ArrowRight: i + 1, ArrowLeft: i - 1, Home: 0, End: views.length - 1 }[ev.key];
    if (to === undefined) return;
    ev.preventDefault();
    show(views[(to + views.length) % views.length], true);
  });

  // --- Requests ---------------------------------------------------------------------------

  const expanded = new Set(); // keys of the entries shown open
  let lastRequests = "";

  const entryKey = (e) => [e.time, e.method, e.path, e.status, e.client, e.latency_ms].join(" ");

  const requestsQuery = () => {
    const q = new URLSearchParams({ limit: "200" });
    const op = $("f-operation").value, code = $("f-code").value.trim().toUpperCase();
    const session = $("f-session").value.trim().toUpperCase(), reason = $("f-reason").value.trim();
    if (op) q.set("operation", op);
    if (code) {
      if (!/^[A-Z_]+$/.test(code)) return null;
      q.set("code", code);
    }
    if (session) {
      if (!/^[0-9A-F]{32}$/.test(session)) return null;
      q.set("session", session);
    }
    if (reason) q.set("reason", reason);
    return q;
  };

  const loadRequests = async () => {
    const q = requestsQuery();
    const invalid = q === null;
    $("f-session").setAttribute("aria-invalid", String(invalid && !!$("f-session").value.trim()));
    if (invalid) {
      $("requests-count").textContent = "A session is a jti of 32 hexadecimal digits, a status.code upper-case letters and _.";
      return;
    }
    const data = await api("GET", "/_crmauth/requests?" + q);
    const seen = JSON.stringify(data);
    if (seen === lastRequests) return;
    lastRequests = seen;
    renderRequests(data);
  };

  const renderRequests = (data) => {
    const body = $("requests-table").tBodies[0];
    const rows = [];
    const codes = new Set();
    for (const e of data.requests) {
      if (e.code) codes.add(e.code);
      const key = entryKey(e);
      const open = expanded.has(key);
      const what = el("td", { class: "what" }, e.operation || e.path);
      if (e.operation) what.append(el("span", { class: "path" }, e.path));
      if (e.upstream) what.append(el("span", { class: "upstream" }, "answered by upstream " + e.upstream));
      const holder = e.holder ? `${e.holder.username}@${e.holder.organisation} unit ${e.holder.unit}` : "";
      const toggle = el("button", {
        class: "more", "aria-expanded": String(open), "aria-label": "Details of the " + hms(e.time) + " " + (e.operation || e.path) + " request",
        onclick: () => {
          if (expanded.has(key)) expanded.delete(key); else expanded.add(key);
          renderRequests(data);
        },
      }, open ? "Hide" : "Details");
      const row = el("tr", { class: e.status >= 400 ? "refused" : "" },
        el("td", { class: "left" }, el("time", { datetime: e.time }, hms(e.time))),
        what,
        el("td", { class: "wide" }, String(e.status)),
        el("td", { class: "code" }, e.code || ""),
        el("td", { class: "wide" }, holder),
        el("td", { class: "reason" }, e.reason || ""),
        el("td", { class: "wide num" }, e.latency_ms.toFixed(2)),
        el("td", {}, toggle));
      rows.push(row);
      if (open) {
        const detail = el("div", { class: "detail" });
        if (e.reason) detail.append(el("p", { class: "why" }, el("strong", {}, "Reason: "), e.reason));
        if (e.upstream) detail.append(el("p", {}, el("strong", {}, "Upstream: "), e.upstream));
        detail.append(el("pre", {}, JSON.stringify(e, null, 2)));
        rows.push(el("tr", { class: "expanded" }, el("td", { colspan: "8" }, detail)));
      }
    }
    body.replaceChildren(...rows);
    const list = $("codes");
    list.replaceChildren(...[...codes].sort().map((c) => el("option", { value: c })));
    const n = data.count, shown = data.requests.length;
    $("requests-count").textContent = n === shown ? `${n} request${n === 1 ? "" : "s"}` : `${shown} newest of ${n} requests`;
    $("requests-empty").hidden = shown > 0;
    $("requests-table").hidden = shown === 0;
  };

  const refilter = () => { lastRequests = ""; tick(); };
  $("filters").addEventListener("submit", (ev) => ev.preventDefault());
  $("f-operation").addEventListener("change", refilter);
  for (const id of ["f-code", "f-session", "f-reason"]) $(id).addEventListener("input", refilter);

  // --- Sessions ---------------------------------------------------------------------------

  let sessions = [];
  let lastSessions = "";

  const methodName = { "authentication/token": "login", "authentication/web_api_key/token": "web API key", "authentication/consumer_application_key/token": "consumer key" };

  const loadSessions = async () => {
    noteClock(await api("GET", "/_crmauth/clock"));
    const data = await api("GET", "/_crmauth/sessions");
    // Live ones first (in order of issue), then the ended ones the stub still holds.
    sessions = [...data.sessions.filter((s) => s.state === "live"), ...data.sessions.filter((s) => s.state !== "live")];
    const seen = JSON.stringify(data);
    if (seen !== lastSessions) {
      lastSessions = seen;
      renderSessions();
    }
    countDown();
  };

  const end = async (jti, as) => {
    try {
      await api("DELETE", `/_crmauth/sessions/${encodeURIComponent(jti)}?as=${as}`);
      lastSessions = "";
      await loadSessions();
    } catch (err) { failed(err); }
  };

  const renderSessions = () => {
    const rows = sessions.map((s) => {
      const who = `${s.holder.username}@${s.holder.organisation} unit ${s.holder.unit}`;
      const live = s.state === "live";
      return el("tr", { "data-jti": s.jti, "data-state": s.state, class: live ? "" : "ended" },
        el("td", {}, who),
        el("td", {}, methodName[s.method] || s.method),
        el("td", { class: "wide" }, el("time", { datetime: s.issued_at }, hms(s.issued_at))),
        el("td", { class: "wide" }, el("time", { datetime: s.last_use }, hms(s.last_use))),
        live ? el("td", { class: "left num", "data-deadline": s.deadline }, "") : el("td", { class: "state" }, s.state),
        el("td", { class: "jti wide" }, s.jti),
        el("td", { class: "actions" }, live ? [
          el("button", { onclick: () => end(s.jti, "released"), title: `Release ${s.jti}: its next use is answered INVALID_TOKEN` }, "End session"),
          el("button", { onclick: () => end(s.jti, "expired"), title: `End ${s.jti} as expired: its next use is answered TOKEN_EXPIRED` }, "Expire"),
        ] : null));
    });
    $("sessions-table").tBodies[0].replaceChildren(...rows);
    const live = sessions.filter((s) => s.state === "live").length, ended = sessions.length - live;
    $("sessions-count").textContent = `${live} live session${live === 1 ? "" : "s"}` + (ended ? `, ${ended} ended (kept until their deadline)` : "");
    $("sessions-empty").hidden = sessions.length > 0;
    $("sessions-table").hidden = sessions.length === 0;
  };

  // countDown updates the time left of every session by the stub's clock, each second.
  const countDown = () => {
    for (const td of document.querySelectorAll("#sessions-table td[data-deadline]")) {
      const left = Date.parse(td.dataset.deadline) - stubNow();
      td.textContent = left > 0 ? span(left) : "expired";
    }
  };

  // --- Clock ------------------------------------------------------------------------------

  const showClock = () => {
    $("stub-time").textContent = "stub " + dateTime(stubNow()).slice(11);
    $("clock-now").textContent = dateTime(stubNow());
    const ahead = offset;
    $("clock-real").textContent = dateTime(Date.now()) +
      (Math.abs(ahead) < 1500 ? " (the stub keeps real time)" : ` (the stub is ${span(Math.abs(ahead))} ${ahead > 0 ? "ahead" : "behind"})`);
  };

  const loadClock = async () => { noteClock(await api("GET", "/_crmauth/clock")); showClock(); };

  const advance = async (seconds) => {
    try {
      noteClock(await api("POST", "/_crmauth/clock/advance", { seconds }));
      showClock();
    } catch (err) { failed(err); }
  };

  for (const b of document.querySelectorAll("#clock button[data-seconds]")) {
    b.addEventListener("click", () => advance(Number(b.dataset.seconds)));
  }
  $("clock-form").addEventListener("submit", (ev) => {
    ev.preventDefault();
    const minutes = Number($("clock-minutes").value);
    if (Number.isFinite(minutes) && minutes >= 0) advance(minutes * 60);
  });
  $("clock-reset").addEventListener("click", async () => {
    try {
      noteClock(await api("POST", "/_crmauth/clock/reset"));
      showClock();
    } catch (err) { failed(err); }
  });

  // --- Coverage ---------------------------------------------------------------------------

  // One row per operation, its answers as marks that read at a glance: green ✓ given (how
  // often), red ✗ never given, grey italic given but not declared.
  const loadCoverage = async () => {
    const c = await api("GET", "/_crmauth/coverage");
    const rows = c.operations.map((op) => {
      const declared = op.answers.filter((a) => a.declared);
      const given = declared.filter((a) => a.count > 0).length;
      const marks = op.answers.map((a) => {
        const isGiven = a.count > 0;
        const state = a.declared ? (isGiven ? `✓ ${a.count}×` : "✗ never") : `${a.count}×, not declared`;
        return el("li", {
          class: (isGiven ? "given" : "never") + (a.declared ? "" : " undeclared"),
          "data-operation": op.operation, "data-status": a.status, "data-code": a.code, "data-given": String(isGiven),
        }, el("span", { class: "answer" }, `${a.status} ${a.code}`), " ", el("span", { class: "mark" }, state));
      });
      return el("tr", {},
        el("th", { scope: "row" }, op.operation, el("span", { class: "ratio" }, `${given} of ${declared.length} given`)),
        el("td", {}, el("ul", { class: "answers" }, marks)));
    });
    $("coverage-table").tBodies[0].replaceChildren(...rows);
    $("coverage-summary").textContent = `${c.given} of ${c.declared} declared answers given` +
      (c.undeclared.length ? `; ${c.undeclared.length} given that openapi.yaml does not declare` : "");
  };

  // --- Reset ------------------------------------------------------------------------------

  const dialog = $("reset-dialog");
  $("reset-open").addEventListener("click", () => dialog.showModal());
  $("reset-cancel").addEventListener("click", () => dialog.close());
  $("reset-confirm").addEventListener("click", async () => {
    dialog.close();
    try {
      await api("POST", "/_crmauth/reset");
      expanded.clear();
      lastRequests = lastSessions = "";
      refresh();
    } catch (err) { failed(err); }
  });

  // --- The loop ---------------------------------------------------------------------------

  const loaders = { requests: loadRequests, sessions: loadSessions, clock: loadClock, coverage: loadCoverage };
  let busy = false;

  // tick asks the routes the visible view needs, once at a time; a hidden tab asks nothing.
  const tick = async () => {
    if (busy || needToken || document.hidden) return;
    busy = true;
    try {
      await loaders[view]();
    } catch (err) {
      failed(err);
    } finally {
      busy = false;
    }
  };
  const refresh = () => { tick(); };

  setInterval(() => {
    showClock();
    if (view === "sessions") countDown();
    tick();
  }, POLL_MS);
  document.addEventListener("visibilitychange", refresh);

  // The stub's time in the header, then the first view.
  api("GET", "/_crmauth/clock").then((d) => { noteClock(d); showClock(); refresh(); }, failed);
})();
