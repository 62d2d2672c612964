#!/usr/bin/env python3
"""Drives the operator console in a real headless Chromium (Debian's chromium and chromium-driver,
paths given explicitly; Selenium Manager kept offline, so nothing is downloaded).

  console_test.py --base URL --token OPERATOR_TOKEN --api-token INTERNAL_TOKEN --out DIR --expect FILE

FILE is JSON: {"<page>": ["text that must appear", ...], ...}, for pages overview, deposits,
payments, credits, audit. Signs in (after a wrong token is refused), checks the session cookie's
attributes, opens every page, checks its content, checks that markup in data renders as text
(no <script> element anywhere, the text shown verbatim), checks that the API refuses the
console's cookie, signs out, and saves a screenshot of every page to DIR. Exit 0 when all hold;
prints what failed otherwise.
"""
import argparse
import json
import os
import pathlib
import sys
import urllib.error
import urllib.request

os.environ["SE_OFFLINE"] = "true"  # Selenium Manager must not fetch drivers or browsers.

from selenium import webdriver  # noqa: E402
from selenium.webdriver.chrome.service import Service  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
PAGES = ["overview", "deposits", "payments", "credits", "audit"]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--base", required=True)
    parser.add_argument("--token", required=True)
    parser.add_argument("--api-token", required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--expect", required=True)
    args = parser.parse_args()
    expect = json.loads(pathlib.Path(args.expect).read_text())
    out = pathlib.Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    problems = []

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1500,1100", "--disable-gpu"):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)
    shots = 0
    try:
        def shot(name):
            nonlocal shots
            driver.save_screenshot(str(out / f"{name}.png"))
            shots += 1

        driver.get(args.base + "/console")
        if not driver.find_elements(By.CSS_SELECTOR, "input[type=password][name=token]"):
            problems.append("the sign-in page has no password field for the token")
        shot("sign-in")

        # A wrong token is refused and says so.
        driver.find_element(By.NAME, "token").send_keys("not-an-operator-token-at-all")
        driver.find_element(By.CSS_SELECTOR, "form button[type=submit]").click()
        if "not an operator" not in driver.page_source:
            problems.append("a wrong token was not refused with a message")

        driver.find_element(By.NAME, "token").send_keys(args.token)
        driver.find_element(By.CSS_SELECTOR, "form button[type=submit]").click()
        if not driver.current_url.endswith("/console/overview"):
            problems.append(f"after sign-in the browser is at {driver.current_url}, not the overview")
        cookie = next((c for c in driver.get_cookies() if c["name"] == "gw_console"), None)
        if cookie is None:
            problems.append("no session cookie after sign-in")
        else:
            if not cookie.get("httpOnly"):
                problems.append("the session cookie is not HttpOnly")
            if cookie.get("sameSite") != "Strict":
                problems.append(f"the session cookie is SameSite={cookie.get('sameSite')}, not Strict")
            if cookie.get("path") != "/console":
                problems.append(f"the session cookie's path is {cookie.get('path')}, not /console")

        for page in PAGES:
            driver.get(f"{args.base}/console/{page}")
            text = driver.find_element(By.TAG_NAME, "body").text
            if driver.find_elements(By.TAG_NAME, "script"):
                problems.append(f"{page}: a <script> element exists in the page")
            for wanted in expect.get(page, []):
                if wanted not in text:
                    problems.append(f"{page}: {wanted!r} not shown")
            shot(page)

        # Filters on the deposits page.
        driver.get(f"{args.base}/console/deposits?status=credited")
        rows = driver.find_elements(By.CSS_SELECTOR, "#deposits tbody tr")
        statuses = {row.find_elements(By.TAG_NAME, "td")[7].text for row in rows}
        if not rows or statuses != {"credited"}:
            problems.append(f"deposits?status=credited shows statuses {sorted(statuses)}")

        # The console's cookie is no key to the API; the bearer token is.
        if cookie is not None:
            request = urllib.request.Request(args.base + "/v1/accounts/alice", headers={"Cookie": f"gw_console={cookie['value']}"})
            try:
                urllib.request.urlopen(request)
                problems.append("the API accepted the console's session cookie")
            except urllib.error.HTTPError as error:
                if error.code != 401:
                    problems.append(f"the API answered {error.code} to the console's cookie, not 401")
        authorized = urllib.request.Request(args.base + "/v1/accounts/alice", headers={"Authorization": f"Bearer {args.api_token}"})
        if urllib.request.urlopen(authorized).status != 200:
            problems.append("the API refused its own bearer token")

        driver.get(f"{args.base}/console/overview")
        driver.find_element(By.CSS_SELECTOR, "form.signout button").click()
        driver.get(f"{args.base}/console/overview")
        if not driver.find_elements(By.NAME, "token"):
            problems.append("after sign-out the overview is still shown")
    finally:
        driver.quit()

    print(f"browser: chromium, {len(PAGES)} pages, {shots} screenshots in {out}")
    for problem in problems:
        print(f"PROBLEM: {problem}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
