import { expect, test } from "@playwright/test";
import { WardPayServer } from "./support/server";
import { artifacts, pairKiosk, ready, signIn, USERS } from "./support/pages";

let server: WardPayServer;

test.beforeAll(async () => {
  server = await WardPayServer.start({ WARDPAY_SEPAY_KEYS: "e2e-sepay-secret" });
});

test.afterAll(async () => {
  await server?.dispose();
});

test("a dossier from the DVC portal waits on the dashboard and one key issues its code", async ({ browser }) => {
  const officerCtx = await browser.newContext({ viewport: { width: 1366, height: 768 } });
  const kioskCtx = await browser.newContext({ viewport: { width: 1920, height: 1080 } });
  await signIn(officerCtx, server.url, USERS.officer);
  await pairKiosk(kioskCtx, server.url, 1);
  const officer = await officerCtx.newPage();
  const kiosk = await kioskCtx.newPage();
  await officer.goto(`${server.url}/`);
  await kiosk.goto(`${server.url}/kiosk/1`);
  await ready(officer);
  await ready(kiosk);

  // The portal (played by `wardpay simulate-dvc`, signed with the demo key) sends a dossier.
  server.cli(["simulate-dvc", "--url", server.url, "--counter", "1"]);
  await expect(officer.getByTestId("dvc-pending")).toBeVisible();
  await officer.screenshot({ path: `${artifacts}/officer-dvc-pending.png` });
  await officer.keyboard.press("F2");
  await expect(kiosk.locator(".kiosk-body")).toHaveAttribute("data-kiosk-state", "qr");
  await expect(officer.getByTestId("dvc-pending")).toHaveCount(0);
  await expect(officer.getByTestId("payment-badge")).toHaveAttribute("data-status", "qr_issued");
  await officerCtx.close();
  await kioskCtx.close();
});

test("an underpaid transfer shows up as an exception the supervisor resolves", async ({ browser }) => {
  const officerCtx = await browser.newContext({ viewport: { width: 1366, height: 768 } });
  const supervisorCtx = await browser.newContext({ viewport: { width: 1366, height: 768 } });
  await signIn(officerCtx, server.url, USERS.officer);
  await signIn(supervisorCtx, server.url, USERS.supervisor);
  const officer = await officerCtx.newPage();
  const supervisor = await supervisorCtx.newPage();
  await officer.goto(`${server.url}/`);
  await supervisor.goto(`${server.url}/stats`);
  await ready(officer);
  await ready(supervisor);
  await expect(supervisor.getByTestId("no-exceptions")).toBeVisible();

  // Whatever is payable at counter 1 (left by the test above, or a new one).
  if ((await officer.getByTestId("officer-code").count()) === 0) {
    await officer.getByTestId("applicant").fill("Võ Thị Em");
    await officer.getByTestId("procedure-search").fill("chung thuc chu ky");
    await officer.getByTestId("procedure-search").press("Enter");
    await officer.getByTestId("create-qr").click();
  }
  const code = (await officer.getByTestId("officer-code").textContent())?.trim() ?? "";
  // A transfer for less than the code asks: the bank simulator uses WardPay's intake path.
  const secret = "e2e-sepay-secret";
  const due = Number(((await officer.locator(".current-amount").textContent()) ?? "").replace(/\D/g, ""));
  expect(due).toBeGreaterThan(0);
  const out = server.cliSepay(code, secret, due);
  expect(out).toContain("200");

  await expect(supervisor.getByTestId("exceptions").locator("tr[data-kind='underpaid']")).toBeVisible();
  await expect(supervisor.locator("[data-kpi='exceptions'] .kpi-value")).toHaveText("1");
  await supervisor.screenshot({ path: `${artifacts}/supervisor-exception.png`, fullPage: true });
  await supervisor.getByTestId("refund-note").fill("Hoàn lại 25.000đ qua tài khoản nguồn");
  await supervisor.getByTestId("refund").click();
  await expect(supervisor.getByTestId("no-exceptions")).toBeVisible();
  await expect(supervisor.locator("[data-kpi='exceptions'] .kpi-value")).toHaveText("0");
  await officerCtx.close();
  await supervisorCtx.close();
});
