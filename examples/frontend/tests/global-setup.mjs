// Runs once, before the workers: starts the app. Its URL travels to the workers in an
// environment variable (they are other processes).
import { startApp } from "../app/server.mjs";

export default async function globalSetup() {
  const app = await startApp();
  process.env.APP_URL = app.url;
  return () => app.close(); // the teardown
}
