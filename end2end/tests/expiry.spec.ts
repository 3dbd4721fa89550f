import { expect, test } from "@playwright/test";
import { WardPayServer } from "./support/server";
import { artifacts, counterScreens } from "./support/pages";

// Codes live 30 s here (the shortest the server allows) so the test sees one expire.
let server: WardPayServer;

test.beforeAll(async () => {
  server = await WardPayServer.start({ WARDPAY_QR_TTL_SECS: "30" });
});

test.afterAll(async () => {
  await server?.dispose();
});

test("an expired code is never shown as payable", async ({ browser }) => {
  test.setTimeout(90_000);
  const { officerCtx, kioskCtx, officer, kiosk } = await counterScreens(browser, server.url);
  await officer.getByTestId("applicant").fill("Lê Văn Cường");
  await officer.getByTestId("procedure-search").fill("xac nhan tinh trang hon nhan");
  await officer.getByTestId("procedure-search").press("Enter");
  await officer.getByTestId("create-qr").click();
  await expect(kiosk.locator(".kiosk-body")).toHaveAttribute("data-kiosk-state", "qr");
  await expect(kiosk.getByTestId("kiosk-countdown")).toHaveText(/^00:(2\d|30)$/);
  await expect(kiosk.locator(".kiosk-body")).toHaveAttribute("data-kiosk-state", "expired", { timeout: 40_000 });
  await expect(kiosk.getByTestId("kiosk-qr")).toHaveCount(0);
  await kiosk.screenshot({ path: `${artifacts}/kiosk-5-expired.png` });
  await expect(officer.getByTestId("payment-badge")).toHaveAttribute("data-status", "expired");
  // After the notice the kiosk goes back to idle by itself.
  await expect(kiosk.locator(".kiosk-body")).toHaveAttribute("data-kiosk-state", "idle", { timeout: 20_000 });
  await officerCtx.close();
  await kioskCtx.close();
});
