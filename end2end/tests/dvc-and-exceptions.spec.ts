import { expect, test } from "@playwright/test";
import { WardPayServer } from "./support/server";
import { artifacts, counterScreens, pairKiosk, ready, signIn, USERS } from "./support/pages";

let server: WardPayServer;

test.beforeAll(async () => {
  server = await WardPayServer.start({ WARDPAY_SEPAY_KEYS: "e2e-sepay-secret" });
});

test.afterAll(async () => {
  await server?.dispose();
});

test("a dossier from the DVC portal waits on the dashboard and one key issues its code", async ({ browser }) => {
  const { officerCtx, kioskCtx, officer, kiosk } = await counterScreens(browser, server.url, { officerViewport: { width: 1366, height: 768 } });

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

test("a short transfer shows what came and what is missing on both screens, and the rest pays it", async ({ browser }) => {
  const officerCtx = await browser.newContext({ viewport: { width: 1366, height: 768 } });
  const kioskCtx = await browser.newContext({ viewport: { width: 1920, height: 1080 } });
  const supervisorCtx = await browser.newContext({ viewport: { width: 1366, height: 768 } });
  await signIn(officerCtx, server.url, USERS.officer);
  await signIn(supervisorCtx, server.url, USERS.supervisor);
  await pairKiosk(kioskCtx, server.url, 1);
  const officer = await officerCtx.newPage();
  const kiosk = await kioskCtx.newPage();
  const supervisor = await supervisorCtx.newPage();
  await officer.goto(`${server.url}/`);
  await kiosk.goto(`${server.url}/kiosk/1`);
  await supervisor.goto(`${server.url}/stats`);
  await ready(officer);
  await ready(kiosk);
  await ready(supervisor);

  // Whatever is payable at counter 1 (left by the test above, or a new one).
  if ((await officer.getByTestId("officer-code").count()) === 0) {
    await officer.getByTestId("applicant").fill("Võ Thị Em");
    await officer.getByTestId("procedure-search").fill("chung thuc chu ky");
    await officer.getByTestId("procedure-search").press("Enter");
    await officer.getByTestId("create-qr").click();
  }
  await expect(officer.getByTestId("payment-badge")).toHaveAttribute("data-status", "qr_issued");
  const code = (await officer.getByTestId("officer-code").textContent())?.trim() ?? "";
  const secret = "e2e-sepay-secret";
  const due = Number(((await officer.locator(".current-amount").textContent()) ?? "").replace(/\D/g, ""));
  expect(due).toBeGreaterThan(0);
  const half = Math.floor(due / 2);
  const rest = due - half;
  const vnd = (n: number) => `${n.toLocaleString("de-DE")} đ`;

  // Half arrives (the bank simulator goes through WardPay's own intake).
  expect(server.cliSepay(code, secret, due)).toContain("200");
  const said = `Đã nhận ${vnd(half)} — còn thiếu ${vnd(rest)}`;
  await expect(kiosk.getByTestId("kiosk-partial")).toHaveText(said);
  await expect(officer.getByTestId("officer-partial")).toHaveText(said);
  await expect(officer.getByTestId("payment-badge")).toHaveAttribute("data-status", "partially_paid");
  // The kiosk keeps a code, now for the rest, and asks for the rest.
  await expect(kiosk.locator(".kiosk-body")).toHaveAttribute("data-kiosk-state", "qr");
  await expect(kiosk.getByTestId("kiosk-amount")).toHaveText(vnd(rest));
  await expect(officer.getByTestId("officer-qr")).toBeVisible();
  await kiosk.screenshot({ path: `${artifacts}/kiosk-partial.png` });
  await officer.screenshot({ path: `${artifacts}/officer-partial.png` });
  // A part is no exception: the supervisor's queue stays empty.
  await expect(supervisor.getByTestId("no-exceptions")).toBeVisible();

  // The rest arrives: paid on both screens, and the receipt lists both transfers.
  expect(server.cliSepayScenario("exact", code, secret, rest)).toContain("200");
  await expect(kiosk.locator(".kiosk-body")).toHaveAttribute("data-kiosk-state", "success");
  await expect(officer.getByTestId("payment-badge")).toHaveAttribute("data-status", "receipt_issued");
  const receipt = await officer.getByTestId("officer-receipt").getAttribute("href");
  const page = await officerCtx.newPage();
  await page.goto(`${server.url}${receipt}`);
  await expect(page.getByTestId("receipt-transfers").locator("li")).toHaveCount(2);
  await page.screenshot({ path: `${artifacts}/receipt-two-transfers.png`, fullPage: true });
  await officerCtx.close();
  await kioskCtx.close();
  await supervisorCtx.close();
});

test("money that names no code shows up as an exception the supervisor resolves", async ({ browser }) => {
  const supervisorCtx = await browser.newContext({ viewport: { width: 1366, height: 768 } });
  await signIn(supervisorCtx, server.url, USERS.supervisor);
  const supervisor = await supervisorCtx.newPage();
  await supervisor.goto(`${server.url}/stats`);
  await ready(supervisor);
  await expect(supervisor.getByTestId("no-exceptions")).toBeVisible();
  expect(server.cliSepayScenario("unknown-code", "", "e2e-sepay-secret", 25_000)).toContain("200");
  await expect(supervisor.getByTestId("exceptions").locator("tr[data-kind='unknown_code']")).toBeVisible();
  await expect(supervisor.locator("[data-kpi='exceptions'] .kpi-value")).toHaveText("1");
  await supervisor.screenshot({ path: `${artifacts}/supervisor-exception.png`, fullPage: true });
  await supervisor.getByTestId("refund-note").fill("Hoàn lại 25.000đ qua tài khoản nguồn");
  await supervisor.getByTestId("refund").click();
  await expect(supervisor.getByTestId("no-exceptions")).toBeVisible();
  await expect(supervisor.locator("[data-kpi='exceptions'] .kpi-value")).toHaveText("0");
  await supervisorCtx.close();
});
