import { expect, request, type APIRequestContext, type BrowserContext, type Page } from "@playwright/test";

/** Waits until the page is hydrated (clicks on dead server HTML would be lost) and live. */
export async function ready(page: Page, opts: { live?: boolean } = {}): Promise<void> {
  await expect(page.locator("#app")).toHaveAttribute("data-hydrated", "true");
  if (opts.live ?? true) await expect(page.locator(".conn").first()).toHaveAttribute("data-conn", "live");
}

export const artifacts = process.env.E2E_ARTIFACTS ?? "test-results/screens";

export const DEMO_PASSWORD = "wardpay-demo";

/** Demo accounts (see app::backend::auth::DEMO_ACCOUNTS). */
export const USERS = { admin: "admin", officer: "canbo", supervisor: "truongbp", support: "hotro", accountant: "ketoan" } as const;

/** Signs `ctx` in as `username` through the sign-in endpoint (the cookie lands in the context). */
export async function signIn(ctx: BrowserContext | APIRequestContext, url: string, username: string): Promise<void> {
  const req = "request" in ctx ? ctx.request : ctx;
  const r = await req.post(`${url}/api/login`, {
    form: { username, password: DEMO_PASSWORD },
    headers: { Origin: url },
  });
  expect(r.status(), `sign in as ${username}`).toBe(200);
}

/**
 * Pairs the kiosk browser `ctx` with `counter` the way a ward does it: the kiosk asks for a
 * code, an admin enters it. Returns the code.
 */
export async function pairKiosk(ctx: BrowserContext, url: string, counter = 1): Promise<string> {
  const r = await ctx.request.post(`${url}/api/kiosk_pairing_start`, {
    form: { counter_id: String(counter) },
    headers: { Origin: url },
  });
  expect(r.status()).toBe(200);
  const code = (await r.json()).Pairing.code as string;
  const admin = await request.newContext();
  await signIn(admin, url, USERS.admin);
  const p = await admin.post(`${url}/api/admin_pair_kiosk`, {
    form: { code, label: `Kiosk ${counter}` },
    headers: { Origin: url },
  });
  expect(p.status(), await p.text()).toBe(200);
  await admin.dispose();
  return code;
}
