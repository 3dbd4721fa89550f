import { expect, test } from "@playwright/test";
import { WardPayServer } from "./support/server";
import { artifacts, pairKiosk, ready, signIn, USERS, DEMO_PASSWORD } from "./support/pages";

// Signing in from the screen, pairing a kiosk from the admin screen (and revoking it), and
// the supervisor's audit log and day close.

let server: WardPayServer;

test.beforeAll(async () => {
  server = await WardPayServer.start();
});

test.afterAll(async () => {
  await server?.dispose();
});

test("the officer signs in, an admin pairs the kiosk by its code, and revoking it shows the code again", async ({ browser }) => {
  const officerCtx = await browser.newContext({ viewport: { width: 1366, height: 768 } });
  const kioskCtx = await browser.newContext({ viewport: { width: 1920, height: 1080 } });
  const adminCtx = await browser.newContext({ viewport: { width: 1366, height: 768 } });
  const officer = await officerCtx.newPage();
  const kiosk = await kioskCtx.newPage();
  const admin = await adminCtx.newPage();

  // Signed out, the dashboard sends the officer to sign in and back.
  await officer.goto(`${server.url}/`);
  await expect(officer).toHaveURL(/\/login\?next=\/$/);
  await ready(officer, { live: false });
  await officer.screenshot({ path: `${artifacts}/login.png` });
  await officer.locator('input[name="username"]').fill(USERS.officer);
  await officer.locator('input[name="password"]').fill("wrong password!");
  await officer.getByRole("button", { name: "Đăng nhập" }).click();
  await expect(officer.getByTestId("login-error")).toContainText("sai tên đăng nhập hoặc mật khẩu");
  await officer.locator('input[name="password"]').fill(DEMO_PASSWORD);
  await officer.getByRole("button", { name: "Đăng nhập" }).click();
  await expect(officer).toHaveURL(`${server.url}/`);
  await ready(officer);
  await expect(officer.getByTestId("whoami")).toHaveAttribute("data-role", "officer");

  // The kiosk is not paired: it shows a one-time code and nothing of the counter.
  await kiosk.goto(`${server.url}/kiosk/1`);
  await ready(kiosk, { live: false });
  await expect(kiosk.locator(".kiosk-body")).toHaveAttribute("data-kiosk-state", "pairing");
  const code = (await kiosk.getByTestId("pairing-code").getAttribute("data-code")) ?? "";
  expect(code).toMatch(/^[A-Z0-9]{6}$/);
  await kiosk.screenshot({ path: `${artifacts}/kiosk-pairing.png` });

  // The admin types it on the set-up screen; the kiosk turns into counter 1's screen by itself.
  await signIn(adminCtx, server.url, USERS.admin);
  await admin.goto(`${server.url}/admin`);
  await ready(admin, { live: false });
  await admin.getByTestId("pair-code").fill(code.toLowerCase());
  await admin.getByTestId("pair-submit").click();
  await expect(admin.getByTestId("pair-ok")).toBeVisible();
  await expect(admin.getByTestId("kiosk-table").locator('tr[data-revoked="false"]')).toHaveCount(1);
  await admin.screenshot({ path: `${artifacts}/admin.png`, fullPage: true });
  await expect(kiosk.locator(".kiosk-body")).toHaveAttribute("data-kiosk-state", "idle", { timeout: 15_000 });
  await ready(kiosk);

  // It follows the officer's counter live.
  await officer.getByTestId("applicant").fill("Đặng Thu Hà");
  await officer.getByTestId("procedure-search").fill("chung thuc chu ky");
  await officer.getByTestId("procedure-search").press("Enter");
  await officer.getByTestId("create-qr").click();
  await expect(kiosk.locator(".kiosk-body")).toHaveAttribute("data-kiosk-state", "qr");
  await expect(kiosk.getByText("Đặng Thu Hà")).toHaveCount(0);

  // Revoked: the open kiosk screen drops the counter at once and asks to be paired again.
  await admin.getByTestId("revoke-kiosk").click();
  await expect(admin.getByTestId("kiosk-table").locator('tr[data-revoked="true"]')).toHaveCount(1);
  await expect(kiosk.locator(".kiosk-body")).toHaveAttribute("data-kiosk-state", "pairing", { timeout: 15_000 });

  // Ward set-up: a new counter joins the list, with its kiosk address.
  await admin.getByTestId("new-counter").fill("Quầy Tư pháp");
  await admin.getByTestId("add-counter").click();
  await expect(admin.getByTestId("counter-list").locator("li")).toHaveCount(4);
  await expect(admin.getByTestId("counter-list")).toContainText("Quầy Tư pháp");
  await admin.screenshot({ path: `${artifacts}/admin-setup.png`, fullPage: true });

  // The officer may not open the supervisor's screens.
  const resp = await officer.goto(`${server.url}/stats`);
  expect(resp?.status()).toBe(403);

  // Signing out ends the session.
  await officer.goto(`${server.url}/`);
  await ready(officer);
  await officer.getByTestId("sign-out").click();
  await expect(officer).toHaveURL(/\/login/);
  await officer.goto(`${server.url}/`);
  await expect(officer).toHaveURL(/\/login\?next=/);
  for (const c of [officerCtx, kioskCtx, adminCtx]) await c.close();
});

test("the supervisor reads and checks the audit log and closes the day", async ({ browser }) => {
  // Self-contained (a failed test above restarts the worker, and with it the server).
  const kioskCtx = await browser.newContext();
  await pairKiosk(kioskCtx, server.url, 2);
  await kioskCtx.close();
  const ctx = await browser.newContext({ viewport: { width: 1366, height: 768 } });
  const page = await ctx.newPage();
  await page.goto(`${server.url}/stats`);
  await expect(page).toHaveURL(/\/login\?next=\/stats/);
  await ready(page, { live: false });
  await page.locator('input[name="username"]').fill(USERS.supervisor);
  await page.locator('input[name="password"]').fill(DEMO_PASSWORD);
  await page.locator('input[name="password"]').press("Enter");
  await expect(page).toHaveURL(`${server.url}/stats`);
  await ready(page);

  // The code issued in the test above still waits (or has been cancelled): cancel via the
  // officer so the day can close.
  const officer = await browser.newContext();
  await signIn(officer, server.url, USERS.officer);
  const snap = await officer.request.post(`${server.url}/api/get_counter_snapshot`, {
    form: { counter_id: "1" },
    headers: { Origin: server.url },
  });
  const current = (await snap.json())?.current;
  if (current && current.state === "qr_issued") {
    const r = await officer.request.post(`${server.url}/api/cancel_payment`, {
      form: { id: String(current.id), version: String(current.version) },
      headers: { Origin: server.url },
    });
    expect(r.status()).toBe(200);
  }
  await officer.close();

  await page.getByTestId("close-day").click();
  await expect(page.getByTestId("day-close-table").locator("tbody tr")).toHaveCount(1);
  await page.getByTestId("close-day").click();
  await expect(page.getByTestId("close-day-error")).toContainText("đã được chốt");

  await page.goto(`${server.url}/audit`);
  await ready(page, { live: false });
  const rows = page.getByTestId("audit-table").locator("tbody tr");
  await expect(rows.first()).toBeVisible();
  await expect(page.getByTestId("audit-table").locator('tr[data-action="kiosk.pair"]').first()).toBeVisible();
  await expect(page.getByTestId("audit-table").locator('tr[data-action="day.close"]')).toHaveCount(1);
  await page.getByTestId("audit-kind").selectOption("auth.");
  await expect(page.getByTestId("audit-table").locator('tr[data-action="day.close"]')).toHaveCount(0);
  await expect(page.getByTestId("audit-table").locator('tr[data-action="auth.login"]').first()).toBeVisible();
  await page.getByTestId("audit-verify").click();
  await expect(page.getByTestId("audit-verdict")).toHaveAttribute("data-intact", "true");
  await page.screenshot({ path: `${artifacts}/audit.png`, fullPage: true });
  await ctx.close();
});
