// A tiny frontend of CRM.COM: logs in, lists contacts through the gateway, logs out.
// The Web API's base URL comes from the page's ?crm= parameter (a real app has it in its config).
const crm = new URL(location.href).searchParams.get("crm");
const $ = (id) => document.getElementById(id);
let token = null;

async function call(method, path, body) {
  const res = await fetch(crm + path, {
    method,
    headers: body ? { "Content-Type": "application/json" } : {},
    body: body ? JSON.stringify(body) : undefined,
  });
  return res.json(); // CRM.COM's envelope: { data, status: { code, description, message } }
}

function show(signedIn, message = "") {
  $("login").hidden = signedIn;
  $("contacts").hidden = !signedIn;
  $("message").textContent = message;
}

async function loadContacts() {
  const answer = await call("GET", `/contacts/list?token=${encodeURIComponent(token)}`);
  if (answer.status.code === "TOKEN_EXPIRED" || answer.status.code === "INVALID_TOKEN") {
    token = null;
    show(false, answer.status.code === "TOKEN_EXPIRED" ? "Your session expired: log in again." : "Your session ended: log in again.");
    return;
  }
  $("list").replaceChildren(...answer.data.map((c) => Object.assign(document.createElement("li"), { textContent: c.name })));
}

$("login").addEventListener("submit", async (event) => {
  event.preventDefault();
  const form = new FormData(event.target);
  const answer = await call("POST", "/authentication/token", {
    username: form.get("username"),
    password: form.get("password"),
    organisation: form.get("organisation"),
  });
  if (answer.status.code !== "OK") {
    show(false, answer.status.code === "INVALID_CREDENTIALS" ? "Wrong username or password." : answer.status.message);
    return;
  }
  token = answer.data.token;
  $("user").textContent = form.get("username");
  show(true);
  await loadContacts();
});

$("reload").addEventListener("click", loadContacts);

$("logout").addEventListener("click", async () => {
  await call("POST", "/authentication/token/release", { token });
  token = null;
  show(false, "Logged out.");
});
