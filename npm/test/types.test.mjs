// The package's types, as a TypeScript project sees them after installing the tarballs:
// tsc --strict --noEmit over a file that uses every export (ESM), one through CommonJS, and
// docs/frontend.md's TypeScript blocks.
// Their @ts-expect-error lines prove the types refuse what the specs do not allow (tsc
// fails on an expected error that does not come).
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { copyFileSync, existsSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { install, repo, suite } from "./project.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const tsc = join(repo, "node_modules", ".bin", "tsc");
const why = existsSync(tsc) ? undefined : "TypeScript is not installed: run npm ci at the repository root";

suite(
  "tsc --strict --noEmit over every export",
  () => {
    const project = install();
    for (const f of ["consumer.mts", "consumer.cts"]) copyFileSync(join(here, "types", f), join(project, f));
    // docs/frontend.md's TypeScript blocks compile as they are written.
    const guide = readFileSync(join(repo, "docs", "frontend.md"), "utf8");
    const snippets = [...guide.matchAll(/^```ts\n([\s\S]*?)^```$/gm)].map((m, i) => {
      writeFileSync(join(project, `guide-${i}.mts`), m[1]);
      return `guide-${i}.mts`;
    });
    assert.ok(snippets.length > 0, "docs/frontend.md has a ts block");
    writeFileSync(
      join(project, "tsconfig.json"),
      JSON.stringify({
        compilerOptions: {
          strict: true,
          noEmit: true,
          target: "es2022",
          module: "nodenext",
          moduleResolution: "nodenext",
          lib: ["es2022", "dom"],
          types: [], // the package's types must not need @types/node
          skipLibCheck: false,
        },
        files: ["consumer.mts", "consumer.cts", ...snippets],
      }),
    );
    const r = spawnSync(tsc, ["-p", project], { encoding: "utf8" });
    assert.equal(r.status, 0, `tsc:\n${r.stdout}${r.stderr}`);

    // And the check bites: the same call without its @ts-expect-error is an error.
    const bad = join(project, "bad.mts");
    writeFileSync(
      bad,
      'import { createClient } from "crmauth";\nexport const answer = await createClient("http://x").POST("/authentication/token", { body: { username: "u", organisation: "o" } });\n',
    );
    writeFileSync(join(project, "tsconfig.bad.json"), JSON.stringify({ extends: "./tsconfig.json", files: ["bad.mts"] }));
    const b = spawnSync(tsc, ["-p", join(project, "tsconfig.bad.json")], { encoding: "utf8" });
    assert.notEqual(b.status, 0);
    assert.match(b.stdout, /password/);
  },
  why,
);
