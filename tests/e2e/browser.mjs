// Launching headless Chromium and driving the app's page.
import { chromium } from "playwright-core";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

export const CHROMIUM = process.env.CHROMIUM ?? "/usr/bin/chromium";

export async function launch() {
  const profile = await mkdtemp(join(tmpdir(), "modelvet-e2e-profile-"));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    acceptDownloads: true,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--no-first-run",
    ],
  });
  return {
    context,
    close: async () => {
      await context.close();
      await rm(profile, { recursive: true, force: true });
    },
  };
}

/// Open the app in a new page and wait until it has rendered.
export async function openApp(context, origin) {
  const page = await context.newPage();
  const problems = [];
  page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
  page.on("console", (m) => {
    if (m.type() === "error") problems.push(`console error: ${m.text()}`);
  });
  await page.addInitScript(() => {
    window.__cspViolations = [];
    document.addEventListener("securitypolicyviolation", (e) =>
      window.__cspViolations.push(`${e.violatedDirective} ${e.blockedURI}`),
    );
  });
  await page.goto(origin + "/");
  await page.waitForSelector("#drop-zone", { timeout: 20_000 });
  return { page, problems };
}

/// The file rows as the page shows them.
export function rows(page) {
  return page.$$eval("tbody.file", (bodies) =>
    bodies.map((b) => ({
      path: b.querySelector("td.path")?.textContent ?? "",
      status: b.dataset.status,
      format: b.querySelector("td.format")?.textContent ?? "",
      sha256: b.querySelector("code.sha256")?.textContent ?? "",
      verdict: b.querySelector("td.verdict")?.textContent.trim() ?? "",
      findings: [...b.querySelectorAll("li.finding")].map((li) => ({
        rule: li.querySelector(".rule")?.textContent ?? "",
        severity: li.querySelector(".severity")?.textContent ?? "",
        location: li.querySelector(".location")?.textContent ?? "",
        message: li.querySelector(".message")?.textContent ?? "",
        help: li.querySelector(".help")?.textContent ?? "",
      })),
      errors: [...b.querySelectorAll("li.scan-error .message")].map((e) => e.textContent),
    })),
  );
}

/// Wait until `count` rows exist and none is still queued or in progress.
export async function waitFinished(page, count, timeout = 60_000) {
  await page.waitForFunction(
    (n) => {
      const bodies = [...document.querySelectorAll("tbody.file")];
      return (
        bodies.length === n &&
        bodies.every((b) => ["done", "failed", "cancelled"].includes(b.dataset.status))
      );
    },
    count,
    { timeout, polling: 50 },
  );
}
