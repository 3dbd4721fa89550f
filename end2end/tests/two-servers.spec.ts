import { expect, test, type Page } from "@playwright/test";
import { PostgresSchema, WardPayServer } from "./support/server";
import { artifacts, pairKiosk, ready, signIn, USERS } from "./support/pages";

// The city's deployment in miniature: two server processes on different ports share one
// PostgreSQL, as instances behind a load balancer do. The officer works on A, the citizen's
// kiosk is connected to B, and the bank may notify either. B is then killed with SIGKILL while
// its kiosk is open, and restarted.

const SEPAY_KEY = "e2e-two-servers-key";
let schema: PostgresSchema;
let a: WardPayServer;
let b: WardPayServer;

test.beforeEach(async () => {
  schema = PostgresSchema.create();
  const env = { DATABASE_URL: schema.url, WARDPAY_SEPAY_KEYS: SEPAY_KEY, WARDPAY_QR_TTL_SECS: "900" };
  // One after the other: the first one migrates the schema and seeds the demo ward.
  a = await WardPayServer.start(env);
  b = await WardPayServer.start(env);
});

test.afterEach(async () => {
  await a?.dispose();
  await b?.dispose();
  schema?.drop();
});

/** Steps 2–3 on the officer's screen; returns the payment code and the amount due. */
async function issueQr(officer: Page, applicant: string): Promise<{ code: string; amount: number }> {
  await officer.getByTestId("applicant").fill(applicant);
  await officer.getByTestId("procedure-search").fill("chung thuc chu ky");
  await officer.getByTestId("procedure-search").press("Enter");
  const total = (await officer.getByTestId("form-total").textContent()) ?? "";
  const amount = Number(total.replace(/\D/g, ""));
  expect(amount).toBeGreaterThan(0);
  await officer.getByTestId("create-qr").click();
  // The card follows the push after the command answered.
  await expect(officer.getByTestId("payment-badge")).toHaveAttribute("data-status", "qr_issued");
  const code = (await officer.getByTestId("officer-code").textContent())?.trim() ?? "";
  expect(code).toMatch(/^WP[0-9A-Z]{9}$/);
  return { code, amount };
}

test("officer on A, kiosk on B, the bank to either: both screens follow; B killed and restarted, its kiosk shows the current state", async ({ browser }) => {
  const officerCtx = await browser.newContext({ viewport: { width: 1366, height: 768 } });
  const kioskCtx = await browser.newContext({ viewport: { width: 1920, height: 1080 } });
  await signIn(officerCtx, a.url, USERS.officer);
  await pairKiosk(kioskCtx, b.url, 1);
  const officer = await officerCtx.newPage();
  const kiosk = await kioskCtx.newPage();
  await officer.goto(`${a.url}/`);
  await kiosk.goto(`${b.url}/kiosk/1`);
  await ready(officer);
  await ready(kiosk);
  const state = kiosk.locator(".kiosk-body");
  await expect(state).toHaveAttribute("data-kiosk-state", "idle");

  // 1. The QR made on A appears on the kiosk served by B, the same code on both screens.
  const first = await issueQr(officer, "Nguyễn Văn An");
  await expect(state).toHaveAttribute("data-kiosk-state", "qr");
  await expect(kiosk.getByTestId("kiosk-purpose")).toContainText(first.code);
  expect(await kiosk.getByTestId("kiosk-qr").getAttribute("data-payload")).toEqual(
    await officer.getByTestId("officer-qr").getAttribute("data-payload"),
  );
  await kiosk.screenshot({ path: `${artifacts}/two-servers-kiosk-on-b-qr.png` });

  // 2. The bank notifies B: success on the kiosk (B) and on the officer's screen (A).
  b.cliSepayScenario("exact", first.code, SEPAY_KEY, first.amount);
  await expect(state).toHaveAttribute("data-kiosk-state", "success");
  await expect(officer.getByTestId("payment-badge")).toHaveAttribute("data-status", "receipt_issued");
  const firstReceipt = (await kiosk.getByTestId("kiosk-receipt").textContent())?.trim() ?? "";
  expect(firstReceipt).toMatch(/ 0000001$/);

  // 3. The next citizen; this time the bank notifies A.
  const second = await issueQr(officer, "Trần Thị Bình");
  await expect(kiosk.getByTestId("kiosk-purpose")).toContainText(second.code);
  a.cliSepayScenario("exact", second.code, SEPAY_KEY, second.amount);
  await expect(state).toHaveAttribute("data-kiosk-state", "success");
  await expect(kiosk.getByTestId("kiosk-receipt")).toHaveText(/ 0000002$/);
  await expect(officer.getByTestId("payment-badge")).toHaveAttribute("data-status", "receipt_issued");

  // 4. A third code is on the kiosk when B dies without a goodbye (SIGKILL). The citizen pays
  //    while B is down; A acknowledges the bank's notification.
  const third = await issueQr(officer, "Lê Văn Cường");
  await expect(kiosk.getByTestId("kiosk-purpose")).toContainText(third.code);
  await b.kill();
  await expect(state).toHaveAttribute("data-kiosk-state", "offline", { timeout: 10_000 });
  await expect(kiosk.getByTestId("kiosk-qr")).toHaveCount(0);
  const acknowledged = a.cliSepayScenario("exact", third.code, SEPAY_KEY, third.amount);
  expect(acknowledged).toMatch(/200/);
  await expect(officer.getByTestId("payment-badge")).toHaveAttribute("data-status", "receipt_issued");

  // 5. B comes back on the same port: the kiosk reconnects by itself and shows what happened
  //    meanwhile (the third payment's success and receipt), not the code it last saw.
  await b.launch();
  await expect(state).toHaveAttribute("data-kiosk-state", "success", { timeout: 30_000 });
  await expect(kiosk.getByTestId("kiosk-receipt")).toHaveText(/ 0000003$/);
  await expect(kiosk.locator(".conn").first()).toHaveAttribute("data-conn", "live");
  await kiosk.screenshot({ path: `${artifacts}/two-servers-kiosk-after-restart.png` });

  // Nothing acknowledged was lost: three receipts, numbered without a gap, whichever server
  // took the notification.
  await officer.reload();
  await ready(officer);
  await expect(officer.getByTestId("queue").locator('.badge[data-status="receipt_issued"]')).toHaveCount(3);

  await officerCtx.close();
  await kioskCtx.close();
});
