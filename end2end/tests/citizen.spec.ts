import { expect, test } from "@playwright/test";
import { WardPayServer } from "./support/server";
import { artifacts, counterScreens } from "./support/pages";
import { expectAccessible, saveScreenshot } from "./support/a11y";

// The citizen's side end to end: 30.000 of 50.000 đ, the code for the rest, the rest, then
// the receipt kept on a phone (its PDF) and checked on /verify.

let server: WardPayServer;
const SECRET = "e2e-citizen-secret";

test.beforeAll(async () => {
  server = await WardPayServer.start({ WARDPAY_SEPAY_KEYS: SECRET });
});

test.afterAll(async () => {
  await server?.dispose();
});

test("a citizen pays 30.000 of 50.000 đ, then the rest, keeps the receipt on the phone and checks it on /verify", async ({ browser }) => {
  const { officerCtx, kioskCtx, officer, kiosk } = await counterScreens(browser, server.url, { officerViewport: { width: 1366, height: 768 } });

  // A 50.000 đ dossier (chứng thực hợp đồng).
  await officer.getByTestId("applicant").fill("Nguyễn Thị Mai");
  await officer.getByTestId("procedure-search").fill("chung thuc hop dong, giao dich");
  await officer.getByTestId("procedure-search").press("Enter");
  await officer.getByTestId("create-qr").click();
  await expect(officer.getByTestId("payment-badge")).toHaveAttribute("data-status", "qr_issued");
  await expect(officer.locator(".current-amount")).toHaveText("50.000 đ");
  const code = (await officer.getByTestId("officer-code").textContent())?.trim() ?? "";
  const state = kiosk.locator(".kiosk-body");
  await expect(state).toHaveAttribute("data-kiosk-state", "qr");

  // 30.000 đ arrive: both screens say so, the kiosk shows a code for the 20.000 đ left.
  expect(server.cliSepayScenario("exact", code, SECRET, 30_000)).toContain("200");
  const said = "Đã nhận 30.000 đ — còn thiếu 20.000 đ";
  await expect(kiosk.getByTestId("kiosk-partial")).toHaveText(said);
  await expect(officer.getByTestId("officer-partial")).toHaveText(said);
  await expect(kiosk.getByTestId("kiosk-amount")).toHaveText("20.000 đ");
  const rest = await kiosk.getByTestId("kiosk-qr").getAttribute("data-payload");
  expect(rest).toContain("540520000"); // the VietQR amount field: 20000
  await expectAccessible(kiosk, "citizen: kiosk partly paid [vi]");
  for (const [width, height] of [[1920, 1080], [800, 1280], [1280, 800]]) {
    await kiosk.setViewportSize({ width, height });
    await expect(kiosk.getByTestId("kiosk-partial")).toBeVisible();
    await saveScreenshot(kiosk, `citizen kiosk partly paid ${width}x${height}`);
  }
  await kiosk.setViewportSize({ width: 1920, height: 1080 });

  // The rest: paid on both screens, a receipt QR for the phone.
  expect(server.cliSepayScenario("exact", code, SECRET, 20_000)).toContain("200");
  await expect(state).toHaveAttribute("data-kiosk-state", "success");
  await expect(kiosk.getByTestId("kiosk-receipt-qr")).toBeVisible();
  await expect(officer.getByTestId("payment-badge")).toHaveAttribute("data-status", "receipt_issued");
  await expectAccessible(kiosk, "citizen: kiosk paid [vi]");
  await saveScreenshot(kiosk, "citizen kiosk paid 1920x1080");
  // What the QR opens: the receipt's public link (the same as the screen's link).
  const link = (await kiosk.locator(".kiosk-message.success .receipt-line a").getAttribute("href")) ?? "";
  expect(link).toMatch(/^\/receipts\/\d+\?k=/);

  // On a phone: the receipt, its two transfers, its PDF, then the check.
  const phoneCtx = await browser.newContext({ viewport: { width: 390, height: 844 }, acceptDownloads: true });
  const phone = await phoneCtx.newPage();
  await phone.goto(`${server.url}${link}`);
  await expect(phone.getByTestId("receipt")).toBeVisible();
  await expect(phone.getByTestId("receipt-total")).toHaveText("50.000 đ");
  await expect(phone.getByTestId("receipt-transfers").locator("li")).toHaveCount(2);
  await expect(phone.getByTestId("receipt-payer")).not.toHaveText("Nguyễn Thị Mai"); // masked on the public link
  await expectAccessible(phone, "citizen: receipt on a phone [vi]");
  const [download] = await Promise.all([phone.waitForEvent("download"), phone.getByTestId("receipt-pdf").click()]);
  expect(download.suggestedFilename()).toMatch(/\.pdf$/);
  await download.saveAs(test.info().outputPath("receipt.pdf"));
  await phone.getByTestId("receipt-verify-link").click();
  await expect(phone.getByTestId("verify-result")).toHaveAttribute("data-status", "valid");
  await expect(phone.getByTestId("verify-result")).toHaveAttribute("data-signature", "true");
  await expectAccessible(phone, "citizen: /verify on a phone [vi]");
  await phone.screenshot({ path: `${artifacts}/citizen-verify-phone.png`, fullPage: true });

  // A number the ward never issued: a clear answer, nothing else.
  await phone.goto(`${server.url}/verify?form=EBL01&series=26TAA&number=9999999&amount=50000`);
  await expect(phone.getByTestId("verify-not-found")).toBeVisible();

  await phoneCtx.close();
  await officerCtx.close();
  await kioskCtx.close();
});
