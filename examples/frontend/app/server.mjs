// Serves the page, and stands in for the rest of CRM.COM behind the stub's gateway: the stub
// checks the token of GET /crmapi/rest/v2/contacts/list and passes a live one's call here.
import { readFile } from "node:fs/promises";
import { createServer } from "node:http";

const files = { "/": "index.html", "/app.js": "app.js" };
const types = { html: "text/html", js: "text/javascript" };

export function startApp() {
  const server = createServer(async (req, res) => {
    const path = new URL(req.url, "http://app").pathname;
    if (path === "/contacts/list") {
      res.setHeader("Content-Type", "application/json");
      res.end(JSON.stringify({ data: [{ name: "Ada Lovelace" }, { name: "Alan Turing" }], status: { code: "OK", description: "", message: "" } }));
      return;
    }
    const file = files[path];
    if (!file) {
      res.statusCode = 404;
      res.end();
      return;
    }
    res.setHeader("Content-Type", types[file.split(".").pop()]);
    res.end(await readFile(new URL(file, import.meta.url)));
  });
  return new Promise((resolve) => {
    server.listen(0, "127.0.0.1", () => resolve({ url: `http://127.0.0.1:${server.address().port}`, close: () => server.close() }));
  });
}
