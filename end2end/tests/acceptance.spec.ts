import { expect, request, test, type Browser, type BrowserContext, type Page } from "@playwright/test";
import { WardPayServer } from "./support/server";
import { artifacts, pairKiosk, ready, signIn, USERS } from "./support/pages";

// The acceptance findings a person sees: a portal update never hides the citizen's code,
// and opening kiosk pages changes nothing that matters.

let server: WardPayServer;
const opened: BrowserContext[] = [];

test.beforeEach(async () => {
  server = await WardPayServer.start();
});

test.afterEach(async () => {
  for (const ctx of opened.splice(0)) await ctx.close();
  await server?.dispose();
});

async function screens(browser: Browser, counter = 1): Promise<{ officer: Page; kiosk: Page }> {
  const officerCtx = await browser.newContext({ viewport: { width: 1366, height: 768 } });
  const kioskCtx = await browser.newContext({ viewport: { width: 1920, height: 1080 } });
  opened.push(officerCtx, kioskCtx);
  await signIn(officerCtx, server.url, USERS.officer);
  await pairKiosk(kioskCtx, server.url, counter);
  const officer = await officerCtx.newPage();
  const kiosk = await kioskCtx.newPage();
  await officer.goto(`${server.url}/`);
  await kiosk.goto(`${server.url}/kiosk/${counter}`);
  await ready(officer);
  await ready(kiosk);
  return { officer, kiosk };
}

const state = (kiosk: Page) => kiosk.locator(".kiosk-body");

test("a re-sent portal dossier never hides the payable code, and an update of a live code replaces it", async ({ browser }) => {
  const { officer, kiosk } = await screens(browser);
  // A citizen is paying at counter 1.
  await officer.getByTestId("applicant").fill("Trần Thị Bình");
  await officer.getByTestId("procedure-search").fill("chung thuc chu ky");
  await officer.getByTestId("procedure-search").press("Enter");
  await officer.getByTestId("create-qr").click();
  await expect(state(kiosk)).toHaveAttribute("data-kiosk-state", "qr");
  const paying = await kiosk.getByTestId("kiosk-qr").getAttribute("data-payload");

  // The portal sends a dossier for the same counter, then sends it again changed.
  const code = `000.00.01.H26-261130-${4000 + Math.floor(Math.random() * 999)}`;
  server.cli(["simulate-dvc", "--url", server.url, "--counter", "1", "--dossier-code", code, "--copies", "3"]);
  await expect(officer.getByTestId("dvc-pending")).toBeVisible();
  server.cli(["simulate-dvc", "--url", server.url, "--counter", "1", "--dossier-code", code, "--copies", "4"]);
  await expect(officer.getByTestId("dvc-pending")).toContainText("28.000 đ");
  // Both screens still show the code the citizen is paying.
  await expect(state(kiosk)).toHaveAttribute("data-kiosk-state", "qr");
  expect(await kiosk.getByTestId("kiosk-qr").getAttribute("data-payload")).toEqual(paying);
  await expect(officer.getByTestId("payment-badge")).toHaveAttribute("data-status", "qr_issued");
  expect(await officer.getByTestId("officer-qr").getAttribute("data-payload")).toEqual(paying);

  // The officer cancels that code and confirms the portal's dossier (F2): its code shows.
  await officer.getByTestId("cancel-payment").click();
  await expect(state(kiosk)).toHaveAttribute("data-kiosk-state", "cancelled");
  await officer.keyboard.press("F2");
  await expect(state(kiosk)).toHaveAttribute("data-kiosk-state", "qr");
  await expect(kiosk.getByTestId("kiosk-amount")).toHaveText("28.000 đ");
  const confirmed = await kiosk.getByTestId("kiosk-qr").getAttribute("data-payload");

  // The portal changes the dossier while its code is on screen: the old code goes, the new
  // amount's code comes at once, on both screens.
  server.cli(["simulate-dvc", "--url", server.url, "--counter", "1", "--dossier-code", code, "--copies", "5"]);
  await expect(kiosk.getByTestId("kiosk-amount")).toHaveText("35.000 đ");
  await expect(state(kiosk)).toHaveAttribute("data-kiosk-state", "qr");
  expect(await kiosk.getByTestId("kiosk-qr").getAttribute("data-payload")).not.toEqual(confirmed);
  await expect(officer.getByTestId("officer-qr")).toHaveAttribute(
    "data-payload",
    (await kiosk.getByTestId("kiosk-qr").getAttribute("data-payload")) ?? "",
  );
  await kiosk.screenshot({ path: `${artifacts}/kiosk-portal-update.png` });
});

test("opening kiosk pages expires no waiting code and a paired kiosk sent elsewhere stays paired", async ({ browser }) => {
  // A paired kiosk mid-payment is sent to another counter's page.
  const { officer, kiosk } = await screens(browser, 1);
  await officer.getByTestId("applicant").fill("Lê Văn Cường");
  await officer.getByTestId("procedure-search").fill("chung thuc chu ky");
  await officer.getByTestId("procedure-search").press("Enter");
  await officer.getByTestId("create-qr").click();
  await expect(state(kiosk)).toHaveAttribute("data-kiosk-state", "qr");
  await kiosk.goto(`${server.url}/kiosk/2`);
  await expect(state(kiosk)).toHaveAttribute("data-kiosk-state", "paired-elsewhere");
  await expect(kiosk.getByTestId("own-counter")).toHaveAttribute("data-counter-id", "1");
  await kiosk.screenshot({ path: `${artifacts}/kiosk-paired-elsewhere.png` });
  await kiosk.getByTestId("own-counter-link").click();
  await ready(kiosk);
  await expect(state(kiosk)).toHaveAttribute("data-kiosk-state", "qr");

  // A new kiosk at counter 3 shows its pairing code.
  const newCtx = await browser.newContext({ viewport: { width: 1920, height: 1080 } });
  opened.push(newCtx);
  const fresh = await newCtx.newPage();
  await fresh.goto(`${server.url}/kiosk/3`);
  await ready(fresh, { live: false });
  const code = (await fresh.getByTestId("pairing-code").getAttribute("data-code")) ?? "";
  expect(code).toMatch(/^[A-Z0-9]{6}$/);
  // Twenty anonymous visits of the same page.
  const anon = await request.newContext();
  for (let i = 0; i < 20; i++) expect((await anon.get(`${server.url}/kiosk/3`)).status()).toBe(200);
  await anon.dispose();
  // The code the kiosk shows still pairs it; it turns live by itself.
  const admin = await browser.newContext({ viewport: { width: 1366, height: 768 } });
  opened.push(admin);
  await signIn(admin, server.url, USERS.admin);
  const adminPage = await admin.newPage();
  await adminPage.goto(`${server.url}/admin`);
  await ready(adminPage, { live: false });
  await adminPage.getByTestId("pair-code").fill(code);
  await adminPage.getByTestId("pair-submit").click();
  await expect(state(fresh)).toHaveAttribute("data-kiosk-state", "idle", { timeout: 15_000 });

});
