import { expect, logIn, test } from "./fixtures.mjs";

test("logs in, lists contacts through the gateway, logs out and releases the session", async ({ app, stub }) => {
  await logIn(app);
  await expect(app.getByRole("listitem")).toHaveText(["Ada Lovelace", "Alan Turing"]);
  expect(await stub.count({ operation: "Login", code: "OK" })).toBe(1);

  await app.getByRole("button", { name: "Log out" }).click();
  await expect(app.getByRole("status")).toHaveText("Logged out.");
  expect(await stub.count({ operation: "ReleaseToken", code: "OK" })).toBe(1);
  const sessions = await stub.sessions();
  expect(sessions.map((s) => s.state)).toEqual(["released"]);
});

test("a wrong password is refused and opens no session", async ({ app, stub }) => {
  await logIn(app, "wrong");
  await expect(app.getByRole("status")).toHaveText("Wrong username or password.");
  expect(await stub.count({ operation: "Login", code: "INVALID_CREDENTIALS" })).toBe(1);
  expect(await stub.sessions()).toEqual([]);
});

test("a session the server ends sends the user back to the login form", async ({ app, stub }) => {
  await logIn(app);
  await expect(app.getByRole("listitem")).toHaveCount(2);
  const [session] = await stub.sessions({ state: "live" });
  await stub.endSession(session.jti);
  await app.getByRole("button", { name: "Reload" }).click();
  await expect(app.getByRole("status")).toHaveText("Your session ended: log in again.");
  await expect(app.getByRole("button", { name: "Log in" })).toBeVisible();
});

test("an idle hour ends the session", async ({ app, stub }) => {
  await logIn(app);
  await expect(app.getByRole("listitem")).toHaveCount(2);
  await stub.advanceClock("61m");
  await app.getByRole("button", { name: "Reload" }).click();
  await expect(app.getByRole("status")).toHaveText("Your session expired: log in again.");
  expect(await stub.count({ code: "TOKEN_EXPIRED" })).toBe(1); // the gateway refused the reload
  expect(await stub.sessions({ state: "live" })).toEqual([]);
});
