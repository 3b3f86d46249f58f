"""The status page in a real headless Chromium (Debian's chromium + chromium-driver, driven by Selenium).

`etl serve` runs as a process on a free port, in German (the default); the window is 1280 px wide. The test
checks the order of the page's parts and that nothing overflows to the right, opens the rejects of a file,
follows the guide's links, presses Retry on the refused file and sees it back in the inbox, and sees the
reject marked fixed after a corrected export ran. ETL_SCREENSHOTS=<folder> keeps the screenshots (docs/).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from selenium import webdriver
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.ui import WebDriverWait

from etl.config import Config
from tests.serve.conftest import correct, refused

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
DRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"
if not (Path(CHROMIUM).exists() and Path(DRIVER).exists()):
    if os.environ.get("ETL_REQUIRE_BROWSER"):
        raise RuntimeError("chromium and chromium-driver are required (apt-get install chromium chromium-driver)")
    pytest.skip("chromium or chromium-driver is not installed", allow_module_level=True)


WIDTH = 1280
SECTIONS = ("needs", "watcher", "runs", "failed", "waiting", "rejects", "reimport", "watch-log")


@pytest.fixture
def served(partial: Config, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """`etl serve` on a free port of 127.0.0.1, in the merchant's language (German); its URL with the token."""
    monkeypatch.delenv("ETL_LANG")
    with subprocess.Popen([sys.executable, "-m", "etl", "serve", "-c", str(partial.base / "etl.yaml")],
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) as process:
        try:
            assert process.stdout is not None and process.stderr is not None
            line = process.stdout.readline()  # "Statusseite: http://127.0.0.1:<port>/?token=…" in German
            url = re.search(r"http://127\.0\.0\.1:\d+/\S*", line)
            assert line.startswith("Statusseite: ") and url, line  # stderr is not read: serve runs on
            yield url.group(0)
        finally:
            process.terminate()
            process.wait(timeout=60)


@pytest.fixture
def browser(tmp_path: Path) -> Iterator[webdriver.Chrome]:
    """A headless Chromium that reaches nothing but this machine."""
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run", "--disable-dev-shm-usage",
                 f"--user-data-dir={tmp_path / 'profile'}", f"--window-size={WIDTH},1000"):
        options.add_argument(flag)
    driver = webdriver.Chrome(options=options, service=webdriver.ChromeService(executable_path=DRIVER))
    try:
        yield driver
    finally:
        driver.quit()


def keep(driver: webdriver.Chrome, tmp_path: Path, name: str) -> Path:
    """A full-page PNG of what the browser shows, in tmp_path and, when asked, in $ETL_SCREENSHOTS."""
    height = int(driver.execute_script("return document.documentElement.scrollHeight"))
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",  # the whole page, not the window's part
                           {"width": WIDTH, "height": height, "deviceScaleFactor": 1, "mobile": False})
    path = tmp_path / name
    assert driver.save_screenshot(str(path))
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    if os.environ.get("ETL_SCREENSHOTS"):
        shutil.copy(path, Path(os.environ["ETL_SCREENSHOTS"]) / name)
    driver.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
    return path


def rows(driver: webdriver.Chrome, selector: str) -> list[list[str]]:
    return [[cell.text for cell in row.find_elements(By.TAG_NAME, "td")]
            for row in driver.find_elements(By.CSS_SELECTOR, f"{selector} tbody tr")]


def fits(driver: webdriver.Chrome) -> None:
    """Nothing reaches beyond the window's right edge: no horizontal scroll, no column cut off."""
    width, scroll = driver.execute_script(
        "return [document.documentElement.clientWidth, document.documentElement.scrollWidth]")
    assert scroll <= width <= WIDTH, (scroll, width)
    beyond = driver.execute_script(
        "return [...document.querySelectorAll('body *')].filter(e => e.getClientRects().length"
        " && e.getBoundingClientRect().right > document.documentElement.clientWidth + 0.5)"
        ".map(e => e.tagName + '.' + e.className + ': ' + e.textContent.slice(0, 40))")
    assert beyond == [], beyond


def in_order(driver: webdriver.Chrome) -> None:
    """What needs the merchant first, the rejects after the runs and files, the watcher's log last."""
    tops = [driver.find_element(By.ID, section).rect["y"] for section in SECTIONS]
    assert tops == sorted(tops), dict(zip(SECTIONS, tops, strict=True))


def test_the_page_leads_with_what_needs_the_merchant_and_fits_1280_px(
        served: str, browser: webdriver.Chrome, partial: Config, tmp_path: Path) -> None:
    source = refused(partial)
    browser.get(served)
    assert browser.title == "ETL-Status"
    assert browser.find_element(By.TAG_NAME, "html").get_attribute("lang") == "de"
    in_order(browser)
    fits(browser)
    needs = browser.find_element(By.ID, "needs").text
    assert "Abgelehnte Dateien im Fehlerordner: 1" in needs and "Noch offene abgelehnte Datensätze: 1" in needs
    assert browser.find_element(By.ID, "watcher-state").text == "läuft nicht"
    assert rows(browser, "#runs-table")[0][3] == "teilweise"
    (group,) = browser.find_elements(By.CSS_SELECTOR, "details.group")
    assert group.get_attribute("open") is None and "flat_cp1252.csv: 1 abgelehnt, 1 offen" in group.text
    keep(browser, tmp_path, "status-page.png")

    group.find_element(By.TAG_NAME, "summary").click()
    (reject,) = rows(browser, "details.group .rejects-table")
    assert reject[:3] == ["19", "10007", "ot_total"] and reject[-1] == "offen", reject
    assert "geht nicht auf" in reject[4]
    fits(browser)
    keep(browser, tmp_path, "status-page-rejects.png")
    link = group.find_element(By.LINK_TEXT, "Ablehnungsdatei").get_attribute("href")
    assert link and "/file/rejects/" in link

    browser.find_element(By.ID, "guide-link").click()
    WebDriverWait(browser, 60).until(expected_conditions.title_is("Was tun mit einer Ablehnung"))
    assert "What to do with a reject" in browser.find_element(By.TAG_NAME, "main").text  # docs/rejects.md
    browser.find_element(By.LINK_TEXT, "status-page.md").click()
    WebDriverWait(browser, 60).until(expected_conditions.url_contains("/guide/status-page.md"))
    assert "etl serve" in browser.find_element(By.TAG_NAME, "main").text and "forbidden:" not in browser.page_source
    fits(browser)
    browser.get(served)

    (failed,) = rows(browser, "#failed-table")
    assert failed[0] == source.relative_to(partial.folder("error")).as_posix() and failed[3] == "abgelehnt"
    browser.find_element(By.CSS_SELECTOR, "#failed-table button[name=retry]").click()
    result = WebDriverWait(browser, 60).until(expected_conditions.presence_of_element_located((By.ID, "result")))
    assert "Als junk.bin zurück in den Eingang gelegt" in result.text
    assert (partial.folder("inbox") / "junk.bin").is_file() and not source.exists()
    assert source.with_name("junk.bin.reason.txt").is_file()  # the reason stays
    assert rows(browser, "#waiting-table")[0][0] == "junk.bin"
    in_order(browser)
    fits(browser)
    keep(browser, tmp_path, "status-page-after-retry.png")

    (partial.folder("inbox") / "junk.bin").unlink()
    correct(partial, tmp_path)
    browser.get(served)
    assert "Nichts zu tun" in browser.find_element(By.ID, "needs").text
    group = browser.find_element(By.CSS_SELECTOR, "details.group")
    assert "1 abgelehnt, 0 offen, 1 behoben" in group.text
    group.find_element(By.TAG_NAME, "summary").click()
    (reject,) = rows(browser, "details.group .rejects-table")
    assert reject[-1].startswith("behoben durch Lauf "), reject
    fits(browser)
    keep(browser, tmp_path, "status-page-fixed.png")


def test_without_the_token_the_browser_gets_403(served: str, browser: webdriver.Chrome) -> None:
    browser.get(served.split("?")[0])
    assert "forbidden" in browser.find_element(By.TAG_NAME, "body").text
    assert "flat_cp1252" not in browser.page_source
