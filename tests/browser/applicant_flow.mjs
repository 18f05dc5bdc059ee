// The applicant's way through the pages in a real browser (Debian's Chromium, driven by
// playwright-core): the public pages, registering, a group, an application saved and submitted.
// Every page type visited is checked with axe-core (no serious or critical violation) and no page
// may trip its Content-Security-Policy; a screenshot of each main page goes to target/screenshots/.
//
//   node tests/browser/applicant_flow.mjs http://127.0.0.1:PORT
//
// Exits 0 when everything holds; tests/tests/browser.rs runs it against a freshly seeded service.

import { harness } from "./harness.mjs";

const h = await harness("applicant_flow.mjs", "");
const { check } = h;
const { page } = await h.person("applicant");
const accessible = (name) => h.accessible(page, name);
const shot = (name) => h.shot(page, name);
const visit = (path) => h.visit(page, path);

await h.run(async () => {
  // Public pages.
  check((await visit("/")) === 200, "the home page answers");
  check((await page.getAttribute("html", "lang")) === "ja", 'the page says lang="ja"');
  check(await page.getByRole("heading", { name: "募集中の公募" }).isVisible(), "open calls are listed");
  await accessible("home");
  await shot("home");

  await page.getByRole("link", { name: /ステップアップ/ }).first().click();
  check(await page.getByText("審査基準").isVisible(), "a round shows its criteria");
  await accessible("round");
  await shot("round");

  check((await visit("/awards")) === 200, "the awards list answers");
  check(await page.getByRole("link", { name: /CSV/ }).isVisible(), "the CSV download is linked");
  await accessible("awards");
  await shot("awards");
  const award = page.locator("table a").first();
  if (await award.count()) {
    await award.click();
    check(await page.getByText("交付決定額").isVisible(), "one award shows its amount");
    await accessible("award");
    await shot("award");
  }

  // Register and sign in.
  await visit("/register");
  await accessible("register");
  const email = `browser-${Date.now()}@example.jp`;
  await page.getByLabel("お名前").fill("ブラウザ 花子");
  await page.getByLabel("メールアドレス").fill(email);
  await page.getByLabel("パスワード").fill("correct horse battery staple");
  await page.getByRole("button", { name: "登録する" }).click();
  check(new URL(page.url()).pathname === "/my", "registering signs in and leads to the dashboard");
  await accessible("dashboard");
  await shot("dashboard");

  // A group.
  await page.getByRole("link", { name: "団体を登録する" }).click();
  await accessible("group form");
  await page.getByLabel("団体名").fill("ブラウザの会");
  await page.getByLabel("市民活動団体の登録番号").fill("市民活動-0099");
  await page.getByLabel("代表者氏名").fill("代表 太郎");
  await page.getByLabel("所在地").fill("市内本町1-2-3");
  await page.getByLabel("電話番号").fill("0564-00-0000");
  await page.getByLabel("団体の連絡先メールアドレス").fill("group@example.jp");
  await page.getByLabel("設立日").fill("2019-05-01");
  await page.locator("#f-member_count").fill("12");
  await page.locator("#f-resident_member_count").fill("8");
  await page.getByLabel("活動目的").fill("公園の緑化と子どもの自然体験");
  await shot("group-form");
  await page.getByRole("button", { name: "団体を登録する" }).click();
  check(new URL(page.url()).pathname === "/my", "the group is registered");
  check(await page.getByText("ブラウザの会").isVisible(), "the dashboard lists the group");

  // An application: first with a title over its limit, then right.
  await page.getByRole("link", { name: "申請書を作成する" }).first().click();
  const applyPath = new URL(page.url()).pathname;
  await accessible("application form");
  await page.getByLabel("事業名").fill("あ".repeat(101));
  await page.getByLabel("事業概要").fill("市内の公園で月1回の自然観察会を開く。");
  await page.getByLabel("事業の目的・内容").fill("子どもが身近な自然に親しむ機会をつくる。");
  await page.getByLabel("対象者・受益者").fill("市内の小学生とその保護者");
  await page.getByLabel("事業期間（開始日）").fill("2026-06-01");
  await page.getByLabel("事業期間（終了日）").fill("2027-02-28");
  await page.getByLabel("費目（1行目）").selectOption("rentals");
  await page.getByLabel("内容（1行目）", { exact: true }).first().fill("会場使用料");
  await page.getByLabel("数量（1行目）").fill("1");
  await page.getByLabel("単価（円）（1行目）").fill("412345");
  await page.getByLabel("種類（1行目）").selectOption("project_income");
  await page.locator("#id-0").fill("参加費");
  await page.getByLabel("金額（円）（1行目）").fill("30000");
  await page.getByLabel("補助金申請額（円）").fill("300000");
  await page.getByRole("button", { name: "保存", exact: true }).click();
  check(await page.getByText("事業名は100文字以内で入力してください").first().isVisible(), "the length rule is shown");
  check((await page.getByLabel("事業概要").inputValue()) === "市内の公園で月1回の自然観察会を開く。", "what was typed is kept");
  await accessible("application form with errors");
  await shot("application-form-errors");

  await page.getByLabel("事業名").fill("こども自然教室");
  await page.getByRole("button", { name: "保存", exact: true }).click();
  check(await page.getByText("保存しました").isVisible(), "the draft is saved");
  const maximum = await page.locator("#max-amount").textContent();
  check(/¥\d{3},000/.test(maximum ?? ""), `the maximum subsidy is shown after saving (${maximum?.trim()})`);
  // Issue 7: typing a budget line shows the maximum of the budget as typed, before any save; the
  // server computes it (app.js only asks), and typing the saved budget back gives the saved maximum.
  const preview = page.locator("#maximum-preview");
  check((await preview.getAttribute("aria-live")) === "polite", "the live maximum is announced politely");
  await page.getByLabel("単価（円）（1行目）").fill("200000");
  await preview.filter({ hasText: "この内容での補助上限額：¥170,000" }).waitFor({ timeout: 5000 }).catch(() => {});
  const typed = (await preview.textContent()) ?? "";
  check(/この内容での補助上限額：¥[\d,]+/.test(typed), `the maximum follows the typed budget (${typed.trim()})`);
  await page.getByLabel("単価（円）（1行目）").fill("412345");
  const saved = (maximum ?? "").match(/¥[\d,]+/)?.[0] ?? "none";
  await preview.filter({ hasText: saved }).waitFor({ timeout: 5000 }).catch(() => {});
  const back = (await preview.textContent()) ?? "";
  check(back.includes(saved), `typing the saved budget back gives the saved maximum ${saved} (${back.trim()})`);
  await accessible("saved application form");
  await shot("application-form");

  await page.getByRole("button", { name: "保存して提出" }).click();
  check(await page.getByText("申請書を提出しました").isVisible(), "the application is submitted");
  check(await page.getByText("提出済み").first().isVisible(), "its status says submitted");
  await accessible("application");
  await shot("application");

  // Sign-in page, signed out.
  await page.getByRole("button", { name: "ログアウト" }).click();
  await visit("/login");
  await accessible("login");
  await shot("login");

  // On a phone (390×844): the public pages, the forms and the application form, errors and all.
  const phone = async (path, name) => {
    check((await visit(path)) === 200, `${name} answers on a phone`);
    await h.onPhone(page, name);
  };
  await phone("/", "home");
  await phone("/awards", "awards");
  await phone("/login", "login");
  await phone("/register", "register");
  await h.signIn(page, email);
  await phone("/groups/new", "group form");
  await phone(applyPath, "application form");
  await page.getByLabel("事業名").fill("あ".repeat(101));
  await page.getByRole("button", { name: "保存", exact: true }).click();
  await h.onPhone(page, "application form with errors");
  const select = await page.getByLabel("費目（1行目）").evaluate((element) => element.getBoundingClientRect().width);
  check(select >= 150, `the 費目 select shows its text on a phone (${Math.round(select)} px wide)`);
});
