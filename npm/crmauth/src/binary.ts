// Which binary runs: the platform package's, found the way esbuild and Biome find theirs.
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";

/** The platforms a package of the binary exists for, by Node's `${process.platform}-${process.arch}`. */
export const platformPackages: Readonly<Record<string, string>> = {
  "linux-x64": "@crmauth/linux-x64",
  "linux-arm64": "@crmauth/linux-arm64",
  "darwin-x64": "@crmauth/darwin-x64",
  "darwin-arm64": "@crmauth/darwin-arm64",
  "win32-x64": "@crmauth/win32-x64",
  "win32-arm64": "@crmauth/win32-arm64",
};

/** The variable that names a binary to run instead of the platform package's (one built with `go build`, say). */
export const binaryPathVariable = "CRMAUTH_BINARY_PATH";

/**
 * binaryPath returns the path of the crmauth binary for this platform, or throws an Error
 * whose message says what to do: which platforms exist, or which package to install.
 */
export function binaryPath(
  platform: string = process.platform,
  arch: string = process.arch,
  env: NodeJS.ProcessEnv = process.env,
): string {
  const override = env[binaryPathVariable];
  if (override) {
    if (!existsSync(override)) {
      throw new Error(`crmauth: $${binaryPathVariable} is ${override}, which does not exist`);
    }
    return override;
  }
  const key = `${platform}-${arch}`;
  const pkg = platformPackages[key];
  if (!pkg) {
    throw new Error(
      `crmauth: no binary for ${key}; the npm packages exist for ${Object.keys(platformPackages).join(", ")}. ` +
        `Elsewhere, build it with Go (go install github.com/crmcom-community/crmauth/cmd/crmauth@latest) ` +
        `and set $${binaryPathVariable} to it.`,
    );
  }
  const exe = platform === "win32" ? "crmauth.exe" : "crmauth";
  // Resolved from this file, so the platform package is found beside the main package,
  // whatever the working directory.
  const require = createRequire(import.meta.url);
  let manifest: string;
  try {
    manifest = require.resolve(`${pkg}/package.json`);
  } catch {
    throw new Error(
      `crmauth: the package ${pkg}, which holds the binary for ${key}, is not installed. ` +
        `npm installs it as an optional dependency of crmauth; an install with --omit=optional ` +
        `(or from a tarball) needs it given too, for example ` +
        `npm install --save-dev ./crmauth-VERSION.tgz ./crmauth-${key}-VERSION.tgz`,
    );
  }
  const bin = join(dirname(manifest), "bin", exe);
  if (!existsSync(bin)) {
    throw new Error(`crmauth: ${pkg} is installed but has no ${join("bin", exe)}: reinstall it`);
  }
  return bin;
}
