// The `crmauth` command of the npm package: runs the platform's binary with the same
// arguments and standard streams, passes signals on, and exits as the binary did.
import { spawn } from "node:child_process";
import { binaryPath } from "./binary.js";

const forwarded: NodeJS.Signals[] = ["SIGINT", "SIGTERM", "SIGHUP", "SIGQUIT"];

function main(): void {
  let bin: string;
  try {
    bin = binaryPath();
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n`);
    process.exit(1);
  }
  const args = process.argv.slice(2);
  // `serve` gets a pipe it watches instead of the launcher's standard input: when the
  // launcher dies, even by SIGKILL, which it cannot pass on, the pipe closes and the stub
  // ends (crmauth serve --exit-on-stdin-close). Every other command reads the real stdin
  // (crmauth release - reads a token from it).
  const serve = args[0] === "serve";
  const child = spawn(bin, args, {
    stdio: [serve ? "pipe" : "inherit", "inherit", "inherit"],
    env: serve ? { ...process.env, CRMAUTH_EXIT_ON_STDIN_CLOSE: "true" } : process.env,
    windowsHide: true,
  });
  const pass = (signal: NodeJS.Signals) => {
    child.kill(signal);
  };
  for (const s of forwarded) process.on(s, pass);
  child.on("error", (err) => {
    process.stderr.write(`crmauth: cannot run ${bin}: ${err.message}\n`);
    process.exit(1);
  });
  child.on("exit", (code, signal) => {
    for (const s of forwarded) process.off(s, pass);
    if (signal) {
      // Die of the same signal, so the shell sees what the binary saw.
      process.kill(process.pid, signal);
      return;
    }
    process.exit(code ?? 1);
  });
}

main();
