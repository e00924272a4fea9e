// One stub per worker, reset before each test. Workers run in parallel, each test of a worker
// after the other: a worker's reset() can never wipe what another worker's test is checking.
import { test as base, expect } from "@playwright/test";
import { startStub } from "crmauth";

export const test = base.extend({
  stub: [
    async ({}, use) => {
      // upstream: calls the stub does not answer itself (contacts/list) go to the app's server.
      const stub = await startStub({ upstream: process.env.APP_URL });
      await use(stub);
      await stub.close();
    },
    { scope: "worker" },
  ],
  // The page, opened on the app with this worker's stub as its CRM.COM; the stub reset first.
  app: async ({ page, stub }, use) => {
    await stub.reset();
    await page.goto(`${process.env.APP_URL}/?crm=${encodeURIComponent(stub.baseUrl)}`);
    await use(page);
  },
});

export { expect };

export async function logIn(page, password = "s3cret-Passw0rd") {
  await page.getByLabel("Username").fill("jdoe");
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Log in" }).click();
}
