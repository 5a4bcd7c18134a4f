"""A small Selenium 4 wrapper for the web console suite (test_console.py): Debian's `chromium` driven by Debian's
`chromedriver`, headless, one profile and one download directory per Browser.

* Browser(base_url, download_dir): open(path), login(username, password), fill(label_or_id, value),
  click_button(text), click_link(text), text(css), wait(...), wait_text(css, contains), wait_for_download(name),
  screenshots(name) (PNG at 1280x800 and at 390x844), form_data(form_css), post_raw(path, data, cookies),
  html_text(html, css) (an element's text in an HTML string, parsed by the browser's own parser).
* ConsoleServer: `keyward serve` (kwhelpers.KeywardServer, simulated driver) with extra environment variables
  (KEYWARD_ROOT_PASSWORD, KEYWARD_CONSOLE_IDLE_TIMEOUT, ...); set_root_password(server, pw): `keyward admin
  set-root-password` on a stopped server's data directory.

Env: KEYWARD_CHROMIUM (default /usr/bin/chromium), KEYWARD_CHROMEDRIVER (default /usr/bin/chromedriver),
KEYWARD_SCREENSHOTS (default interop/.screenshots).
"""
from __future__ import annotations

import contextlib
import os
import subprocess
import time
from pathlib import Path
from typing import Callable, Dict, Iterator, Optional, Union
from urllib.parse import urlparse

import requests

import kwhelpers as kw

CHROMIUM = os.environ.get("KEYWARD_CHROMIUM", "/usr/bin/chromium")
CHROMEDRIVER = os.environ.get("KEYWARD_CHROMEDRIVER", "/usr/bin/chromedriver")
SIZES = ((1280, 800), (390, 844))

_HERE = Path(__file__).resolve().parent
_INTEROP = _HERE if _HERE.name == "interop" else _HERE.parent


def screenshot_dir() -> Path:
    d = Path(os.environ.get("KEYWARD_SCREENSHOTS") or _INTEROP / ".screenshots")
    d.mkdir(parents=True, exist_ok=True)
    return d


def _norm(text: str) -> str:
    return " ".join((text or "").split())


class Browser:
    def __init__(self, base_url: str, download_dir: Path, width: int = SIZES[0][0], height: int = SIZES[0][1]):
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service

        self.base_url = base_url.rstrip("/")
        self.download_dir = Path(download_dir).resolve()
        self.download_dir.mkdir(parents=True, exist_ok=True)
        opts = webdriver.ChromeOptions()
        opts.binary_location = CHROMIUM
        for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", "--no-proxy-server",
                    "--no-first-run", "--no-default-browser-check", f"--window-size={width},{height}"):
            opts.add_argument(arg)
        opts.add_experimental_option("prefs", {
            "download.default_directory": str(self.download_dir),
            "download.prompt_for_download": False,
            "download.directory_upgrade": True,
            "credentials_enable_service": False,
            "profile.password_manager_enabled": False,
            "profile.password_manager_leak_detection": False,
        })
        self.driver = webdriver.Chrome(options=opts, service=Service(executable_path=CHROMEDRIVER))
        self.driver.execute_cdp_cmd("Browser.setDownloadBehavior",
                                    {"behavior": "allow", "downloadPath": str(self.download_dir)})
        # Headless chromium keeps room for its (invisible) window frame: pin the viewport itself.
        self.viewport = (width, height)
        self.set_viewport(width, height)

    def set_viewport(self, width: int, height: int) -> None:
        self.driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {
            "width": width, "height": height, "deviceScaleFactor": 1, "mobile": width < 600})

    def close(self) -> None:
        self.driver.quit()

    # -- navigation ----------------------------------------------------------------------
    def url(self, path: str) -> str:
        return self.base_url + path

    def open(self, path: str) -> None:
        self.driver.get(self.url(path))

    @property
    def path(self) -> str:
        return urlparse(self.driver.current_url).path

    def login(self, username: str, password: str) -> None:
        self.open("/console/login")
        self.fill("#username", username)
        self.fill("#password", password)
        self.click_button("Log On")

    # -- finding -------------------------------------------------------------------------
    def find(self, css: str):
        from selenium.webdriver.common.by import By
        return self.driver.find_element(By.CSS_SELECTOR, css)

    def find_all(self, css: str):
        from selenium.webdriver.common.by import By
        return self.driver.find_elements(By.CSS_SELECTOR, css)

    def exists(self, css: str) -> bool:
        return bool(self.find_all(css))

    def text(self, css: str) -> str:
        """The element's visible text, whitespace collapsed."""
        return _norm(self.find(css).text)

    def label_of(self, element_id: str) -> str:
        """The text of the label(s) of the element with this id (`<label for>` or a wrapping label)."""
        el = self.find("#" + element_id)
        return _norm(" ".join(self.driver.execute_script(
            "return Array.from(arguments[0].labels || []).map(l => l.textContent)", el)))

    def element(self, label_or_id: str):
        """`#id`, or the form control whose label reads exactly `label_or_id` (one only)."""
        from selenium.webdriver.common.by import By
        if label_or_id.startswith("#"):
            return self.find(label_or_id)
        labels = [l for l in self.driver.find_elements(By.TAG_NAME, "label") if _norm(l.text) == label_or_id]
        assert len(labels) == 1, f"{len(labels)} labels read {label_or_id!r} on {self.path}"
        target = labels[0].get_attribute("for")
        if target:
            return self.driver.find_element(By.ID, target)
        return labels[0].find_element(By.CSS_SELECTOR, "input, select, textarea")

    # -- acting --------------------------------------------------------------------------
    def fill(self, label_or_id: str, value: Union[str, bool, Path]):
        """Types into an input or textarea, picks a select option (by value, else by visible text), sets a checkbox or
        radio to `value` (bool), gives a file input a path."""
        from selenium.webdriver.support.ui import Select
        el = self.element(label_or_id)
        tag, kind = el.tag_name.lower(), (el.get_attribute("type") or "").lower()
        if tag == "select":
            sel = Select(el)
            if any(o.get_attribute("value") == str(value) for o in sel.options):
                sel.select_by_value(str(value))
            else:
                sel.select_by_visible_text(str(value))
        elif kind in ("checkbox", "radio"):
            if bool(value) != el.is_selected():
                el.click()
        elif kind == "file":
            el.send_keys(str(value))
        else:
            el.clear()
            el.send_keys(str(value))
        return el

    def click_button(self, text: str, within: Optional[str] = None, navigates: bool = True) -> None:
        """Clicks the one visible `<button>` whose text is exactly `text` (inside `within`, a CSS selector, if given).
        With navigates=True, waits until the page it was on has been replaced."""
        from selenium.webdriver.common.by import By
        scope = self.find(within) if within else self.driver
        buttons = [b for b in scope.find_elements(By.TAG_NAME, "button") if b.is_displayed() and _norm(b.text) == text]
        assert len(buttons) == 1, \
            f"{len(buttons)} visible buttons read {text!r} on {self.path}: {[_norm(b.text) for b in scope.find_elements(By.TAG_NAME, 'button')]}"
        old = self.find("html")
        buttons[0].click()
        if navigates:
            self.wait(lambda: self._stale(old), 30, f"the page to change after {text!r}")

    def click_link(self, text: str, within: Optional[str] = None, navigates: bool = True) -> None:
        from selenium.webdriver.common.by import By
        scope = self.find(within) if within else self.driver
        links = [a for a in scope.find_elements(By.TAG_NAME, "a") if a.is_displayed() and _norm(a.text) == text]
        assert len(links) == 1, f"{len(links)} visible links read {text!r} on {self.path}"
        old = self.find("html")
        links[0].click()
        if navigates:
            self.wait(lambda: self._stale(old), 30, f"the page to change after link {text!r}")

    @staticmethod
    def _stale(element) -> bool:
        from selenium.common.exceptions import StaleElementReferenceException, WebDriverException
        try:
            element.tag_name
            return False
        except StaleElementReferenceException:
            return True
        except WebDriverException as e:
            # While a navigation replaces the document, chromedriver may say so in its own words.
            if "does not belong to the document" in str(e):
                return True
            raise

    # -- waiting -------------------------------------------------------------------------
    def wait(self, condition: Callable[[], object], timeout: float = 10, what: str = "a condition",
             interval: float = 0.2):
        """Polls condition() until it returns something true (returned); element lookups that fail count as false."""
        from selenium.common.exceptions import NoSuchElementException, StaleElementReferenceException
        deadline = time.monotonic() + timeout
        last: object = None
        while True:
            try:
                result = condition()
                if result:
                    return result
                last = result
            except (NoSuchElementException, StaleElementReferenceException, AssertionError) as e:
                last = e
            if time.monotonic() >= deadline:
                shot = screenshot_dir() / f"timeout-{int(time.time() * 1000)}.png"
                self.driver.save_screenshot(str(shot))
                body = self.driver.execute_script("return document.body ? document.body.innerText : ''") or ""
                raise AssertionError(f"waited {timeout}s for {what} on {self.driver.current_url} (last: {last!r}; "
                                     f"screenshot {shot})\npage text: {body[:2000]}")
            time.sleep(interval)

    def wait_text(self, css: str, contains: str, timeout: float = 10) -> str:
        """Waits until `css` exists and its visible text contains `contains`; returns the text."""
        return self.wait(lambda: (lambda t: t if contains in t else None)(self.text(css)), timeout,
                         f"{css} to contain {contains!r}")

    def wait_for_download(self, name: str, timeout: float = 30) -> Path:
        """Waits until the download directory holds `name`, complete (no .crdownload left); returns its path."""
        target = self.download_dir / name

        def done():
            partial = list(self.download_dir.glob("*.crdownload"))
            return target if target.is_file() and target.stat().st_size > 0 and not partial else None
        return self.wait(done, timeout, f"download {name} in {self.download_dir} (has {self.downloads()})")

    def downloads(self):
        return sorted(p.name for p in self.download_dir.iterdir())

    # -- screenshots ---------------------------------------------------------------------
    def screenshots(self, name: str) -> None:
        """Saves <dir>/<name>-1280x800.png and <dir>/<name>-390x844.png (viewport sizes, the narrow one as a phone),
        then puts the viewport back as it was."""
        d = screenshot_dir()
        try:
            for w, h in SIZES:
                self.set_viewport(w, h)
                self.driver.save_screenshot(str(d / f"{name}-{w}x{h}.png"))
        finally:
            self.set_viewport(*self.viewport)

    # -- raw requests with the browser's session -----------------------------------------
    def cookies(self) -> Dict[str, str]:
        return {c["name"]: c["value"] for c in self.driver.get_cookies()}

    def cookie(self, name: str) -> Optional[dict]:
        return next((c for c in self.driver.get_cookies() if c["name"] == name), None)

    def form_data(self, form_css: str) -> Dict[str, str]:
        """What the browser would submit for this form (text fields only), by field name."""
        pairs = self.driver.execute_script(
            "return Array.from(new FormData(arguments[0])).filter(p => typeof p[1] === 'string')", self.find(form_css))
        return {k: v for k, v in pairs}

    def post_raw(self, path: str, data: Dict[str, str], cookies: Optional[Dict[str, str]] = None) -> requests.Response:
        """A form POST outside the browser (no redirects followed), with the browser's cookies unless given."""
        return requests.post(self.url(path), data=data, cookies=self.cookies() if cookies is None else cookies,
                             allow_redirects=False, timeout=60)

    def get_raw(self, path: str, cookies: Optional[Dict[str, str]] = None) -> requests.Response:
        return requests.get(self.url(path), cookies=self.cookies() if cookies is None else cookies,
                            allow_redirects=False, timeout=60)

    def html_text(self, html: str, css: str) -> Optional[str]:
        """The text of the first element matching `css` in an HTML document given as a string (None when absent)."""
        text = self.driver.execute_script(
            "const e = new DOMParser().parseFromString(arguments[0], 'text/html').querySelector(arguments[1]);"
            "return e ? e.textContent : null", html, css)
        return None if text is None else _norm(text)


@contextlib.contextmanager
def browser_session(base_url: str, download_dir: Path) -> Iterator[Browser]:
    b = Browser(base_url, download_dir)
    try:
        yield b
    finally:
        b.close()


# --------------------------------------------------------------------------------------------
# Servers
# --------------------------------------------------------------------------------------------

@contextlib.contextmanager
def environment(extra: Dict[str, str]) -> Iterator[None]:
    saved = {k: os.environ.get(k) for k in extra}
    os.environ.update(extra)
    try:
        yield
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


class ConsoleServer(kw.KeywardServer):
    """A simulated-driver Keyward (no real instances) started with extra environment variables."""

    def __init__(self, data_dir: Path, env: Dict[str, str]):
        super().__init__(data_dir, kw.random_access_key_id(), kw.random_secret())
        self.env = dict(env)

    def start(self) -> None:
        with environment(self.env):
            super().start()


def set_root_password(server: kw.KeywardServer, password: str) -> None:
    """`keyward admin set-root-password --data DIR` (the server stopped), the password on stdin."""
    assert not server.running, "set-root-password runs while the server is stopped"
    r = subprocess.run([kw.keyward_binary(), "admin", "set-root-password", "--data", str(server.data_dir)],
                       input=password + "\n", capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, f"set-root-password failed ({r.returncode}): {r.stderr.strip()} {r.stdout.strip()}"
