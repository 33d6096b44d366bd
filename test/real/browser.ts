/**
 * A person at the deployed app: headless Chromium (Debian's) on the frontend URL the stack published, through
 * the page and its form only (the backend is a ClusterIP service no browser reaches).
 */
import { existsSync } from "fs";

import { type Browser, type Page, chromium } from "playwright-core";

export const CHROMIUM = "/usr/bin/chromium";

export function chromiumMissing(): string | undefined {
  return existsSync(CHROMIUM) ? undefined : `${CHROMIUM} (apt-get install chromium)`;
}

export class AppPage {
  private constructor(
    private readonly browser: Browser,
    readonly page: Page,
    readonly url: string,
  ) {}

  static async open(url: string): Promise<AppPage> {
    const browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--no-first-run",
        "--disable-background-networking",
      ],
    });
    const page = await browser.newPage();
    page.setDefaultTimeout(30_000);
    return new AppPage(browser, page, url);
  }

  async load(): Promise<void> {
    await this.page.goto(this.url, { waitUntil: "load" });
    await this.page.getByTestId("task-list").or(this.page.getByTestId("task-list-empty")).first().waitFor();
  }

  item(title: string) {
    return this.page.getByTestId("task-item").filter({ hasText: title });
  }

  async add(title: string): Promise<void> {
    await this.page.getByLabel("New task").fill(title);
    await this.page.getByRole("button", { name: "Add task" }).click();
    await this.item(title).waitFor();
  }

  async complete(title: string): Promise<void> {
    await this.page.getByRole("button", { name: `Mark "${title}" as done` }).click();
    await this.page.locator('[data-testid="task-item"][data-done="true"]', { hasText: title }).waitFor();
  }

  async remove(title: string): Promise<void> {
    await this.page.getByRole("button", { name: `Delete "${title}"` }).click();
    await this.item(title).waitFor({ state: "detached" });
  }

  async titles(): Promise<string[]> {
    return this.page.getByTestId("task-title").allTextContents();
  }

  async close(): Promise<void> {
    await this.browser.close();
  }
}
