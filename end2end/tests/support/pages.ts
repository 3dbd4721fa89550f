import { expect, type Page } from "@playwright/test";

/** Waits until the page is hydrated (clicks on dead server HTML would be lost) and live. */
export async function ready(page: Page, opts: { live?: boolean } = {}): Promise<void> {
  await expect(page.locator("#app")).toHaveAttribute("data-hydrated", "true");
  if (opts.live ?? true) await expect(page.locator(".conn").first()).toHaveAttribute("data-conn", "live");
}

export const artifacts = process.env.E2E_ARTIFACTS ?? "test-results/screens";
