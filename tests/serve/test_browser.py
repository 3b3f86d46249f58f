"""The status page in a real headless Chromium (Debian's chromium + chromium-driver, driven by Selenium).

`etl serve` runs as a process on a free port; the test reads the rejects table, filters it, presses Retry
on the refused file and sees it back in the inbox. ETL_SCREENSHOTS=<folder> keeps the screenshots (docs/).
"""

from __future__ import annotations

import os
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
from tests.serve.conftest import refused

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
DRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"
if not (Path(CHROMIUM).exists() and Path(DRIVER).exists()):
    if os.environ.get("ETL_REQUIRE_BROWSER"):
        raise RuntimeError("chromium and chromium-driver are required (apt-get install chromium chromium-driver)")
    pytest.skip("chromium or chromium-driver is not installed", allow_module_level=True)


@pytest.fixture
def served(partial: Config) -> Iterator[str]:
    """`etl serve` on a free port of 127.0.0.1; its URL with the token."""
    with subprocess.Popen([sys.executable, "-m", "etl", "serve", "-c", str(partial.base / "etl.yaml")],
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) as process:
        try:
            assert process.stdout is not None and process.stderr is not None
            line = process.stdout.readline()
            assert line.startswith("status page: http://127.0.0.1:"), line + process.stderr.read()
            yield line.split()[2]
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
                 f"--user-data-dir={tmp_path / 'profile'}", "--window-size=1400,1200"):
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
                           {"width": 1400, "height": height, "deviceScaleFactor": 1, "mobile": False})
    path = tmp_path / name
    assert driver.save_screenshot(str(path))
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    if os.environ.get("ETL_SCREENSHOTS"):
        shutil.copy(path, Path(os.environ["ETL_SCREENSHOTS"]) / name)
    driver.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
    return path


def rows(driver: webdriver.Chrome, table: str) -> list[list[str]]:
    return [[cell.text for cell in row.find_elements(By.TAG_NAME, "td")]
            for row in driver.find_elements(By.CSS_SELECTOR, f"#{table} tbody tr")]


def test_the_page_shows_the_reject_and_retry_brings_the_file_back(served: str, browser: webdriver.Chrome,
                                                                    partial: Config, tmp_path: Path) -> None:
    source = refused(partial)
    browser.get(served)
    assert browser.title == "ETL status"
    (reject,) = rows(browser, "rejects-table")
    assert reject[1:5] == ["flat_cp1252.csv", "19", "10007", "ot_total"], reject
    assert "does not add up" in reject[6] and "shop admin" in reject[7]
    keep(browser, tmp_path, "status-page.png")

    browser.find_element(By.NAME, "q").send_keys("is not a date")
    browser.find_element(By.CSS_SELECTOR, "form.filter button[type=submit]").click()
    WebDriverWait(browser, 60).until(expected_conditions.url_contains("q=is+not+a+date"))
    assert "match the filter" in rows(browser, "rejects-table")[0][0]
    keep(browser, tmp_path, "status-page-filtered.png")

    (failed,) = rows(browser, "failed-table")
    assert failed[0] == source.relative_to(partial.folder("error")).as_posix() and failed[3] == "refused"
    browser.find_element(By.CSS_SELECTOR, "#failed-table button[name=retry]").click()
    result = WebDriverWait(browser, 60).until(expected_conditions.presence_of_element_located((By.ID, "result")))
    assert "Moved back to the inbox as junk.bin" in result.text
    assert (partial.folder("inbox") / "junk.bin").is_file() and not source.exists()
    assert source.with_name("junk.bin.reason.txt").is_file()  # the reason stays
    assert rows(browser, "waiting-table")[0][0] == "junk.bin"
    assert rows(browser, "failed-table")[0][3].startswith("moved back to the inbox as junk.bin")
    keep(browser, tmp_path, "status-page-after-retry.png")


def test_without_the_token_the_browser_gets_403(served: str, browser: webdriver.Chrome) -> None:
    browser.get(served.split("?")[0])
    assert "forbidden" in browser.find_element(By.TAG_NAME, "body").text
    assert "flat_cp1252" not in browser.page_source
