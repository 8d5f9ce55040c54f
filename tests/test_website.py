"""The built course website, opened in a real browser (headless Chromium, driven by Playwright).

For every page of both languages: it loads (HTTP 200, no script error, no local file missing), every image on it
has loaded, no notebook cell shows an error, and every link inside the site leads to a file that exists.
Korean pages are in Korean, and Hangul really renders, on every page: the browser reports the Hangul glyphs of
the title and the sidebar drawn with NanumGothic, the font the site serves (drawn in any other font here, they
would be boxes: this machine may have no Korean font).
One screenshot per language is kept next to the site (website/_site_screenshots/).

Needs a built site (python website/build.py --quick; CI builds it before the tests), Playwright
(pip install -e ".[site]") and Chromium (Debian's chromium package). Where one is missing, the tests are
skipped saying which, unless RESNET_NP_REQUIRE_BROWSER=1 (set by CI), which makes that a failure.
"""

import functools
import http.server
import json
import os
import re
import shutil
import threading
from pathlib import Path
from urllib.parse import unquote, urljoin, urlparse

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
SITE = Path(os.environ.get("RESNET_NP_SITE", REPO_ROOT / "website" / "_site"))
SCREENSHOTS = SITE.with_name(SITE.name + "_screenshots")
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"]
HANGUL = re.compile("[\uac00-\ud7a3]")
SCREENSHOT_PAGES = {"en": "demos/degradation.html", "ko": "ko/demos/degradation.html"}


def _missing(reason):
    if os.environ.get("RESNET_NP_REQUIRE_BROWSER") == "1":
        pytest.fail(f"RESNET_NP_REQUIRE_BROWSER=1 but {reason}")
    pytest.skip(reason)


def _chromium():
    for name in ("chromium", "chromium-browser", "google-chrome"):
        if shutil.which(name):
            return shutil.which(name)
    return None


@pytest.fixture(scope="module")
def build_record():
    if not (SITE / "build.json").is_file():
        _missing(f"no built site at {SITE}: build it with `python website/build.py --quick`")
    return json.loads((SITE / "build.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def browser_page(build_record):
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _missing('Playwright is not installed: pip install -e ".[site]"')
    executable = _chromium()
    if executable is None:
        _missing("no Chromium on this machine: apt-get install chromium (Debian)")

    class QuietHandler(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(QuietHandler, directory=SITE))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_FLAGS)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        yield page, f"http://127.0.0.1:{server.server_address[1]}/"
        browser.close()
    server.shutdown()


def visit(page, base, path):
    """Open one page -> (status, problems seen while loading: script errors and local files not found)."""
    problems = []
    # Material's language switch asks for sitemap.xml to find the page in the other language; a site opened
    # from disk has none it can use, so the switch falls back to its plain link (tested below).
    def on_response(response):
        if response.url.startswith(base) and response.status >= 400 and not response.url.endswith("sitemap.xml"):
            problems.append(f"{response.status} {response.url}")

    def on_error(error):
        problems.append(f"script error: {error}")

    page.on("response", on_response)
    page.on("pageerror", on_error)
    try:
        response = page.goto(base + path, wait_until="load", timeout=60_000)
        page.evaluate("document.fonts.ready.then(() => true)")
    finally:
        page.remove_listener("response", on_response)
        page.remove_listener("pageerror", on_error)
    return response.status, problems


def test_the_build_lists_both_languages_pages(build_record):
    pages = build_record["pages"]
    english = [path for path in pages if not path.startswith("ko/")]
    korean = [path for path in pages if path.startswith("ko/")]
    assert len(english) >= 38 and sorted("ko/" + path for path in english) == sorted(korean), (english, korean)
    for path in ("index.html", "course/04_the_residual_block.html", "exercises/06_residual.html",
                 "demos/degradation.html", "glossary.html", "claims.html"):
        assert path in pages and "ko/" + path in pages, path


def hangul_drawn_in(session, selector):
    """[(text, {font: glyphs})] for the elements matching `selector` whose text has Hangul, as the browser drew
    them (DevTools' CSS.getPlatformFontsForNode: the fonts really used, glyph by glyph)."""
    session.send("DOM.enable")
    session.send("CSS.enable")
    root = session.send("DOM.getDocument", {"depth": -1})["root"]["nodeId"]
    found = []
    for node in session.send("DOM.querySelectorAll", {"nodeId": root, "selector": selector})["nodeIds"]:
        html = session.send("DOM.getOuterHTML", {"nodeId": node})["outerHTML"]
        text = re.sub("<[^>]+>", "", html).strip()
        if HANGUL.search(text):
            fonts = session.send("CSS.getPlatformFontsForNode", {"nodeId": node})["fonts"]
            found.append((text, {font["familyName"]: font["glyphCount"] for font in fonts}))
    return found


def hangul_problems(page, session, path):
    """Korean pages are in Korean; Hangul in a page's title and sidebar (on English pages: the links to the Korean
    pages) is drawn in NanumGothic. Links in folded sections are not drawn at all (no fonts): they are left out."""
    problems = []
    if path.startswith("ko/"):
        if page.evaluate("document.documentElement.lang") != "ko":
            problems.append(f"{path}: <html lang> is not ko")
        if len(HANGUL.findall(page.evaluate("document.querySelector('article').innerText"))) < 20:
            problems.append(f"{path}: fewer than 20 Hangul syllables in the article")
    shown = [(text, drawn) for text, drawn in hangul_drawn_in(session, "article h1, a.md-nav__link") if drawn]
    if path.startswith("ko/") and not shown:
        problems.append(f"{path}: no Hangul drawn in the title or the sidebar")
    for text, drawn in shown[:4]:
        if drawn.get("NanumGothic", 0) < len(HANGUL.findall(text)):
            problems.append(f"{path}: {text[:40]!r} drawn with {drawn}, not the Hangul in NanumGothic")
    return problems


def test_every_page_loads_with_its_images_without_errors_and_draws_its_hangul(build_record, browser_page):
    page, base = browser_page
    session = page.context.new_cdp_session(page)
    failures = []
    for path in build_record["pages"]:
        status, problems = visit(page, base, path)
        if status != 200:
            failures.append(f"{path}: HTTP {status}")
            continue
        failures += [f"{path}: {problem}" for problem in problems]
        broken_images = page.evaluate("""() => Promise.all(Array.from(document.images).map(img =>
            img.decode().then(() => null, () => img.getAttribute('src').slice(0, 80))))
            .then(results => results.filter(x => x !== null))""")
        failures += [f"{path}: image did not load: {src}" for src in broken_images]
        error_cells = page.evaluate("""() => Array.from(document.querySelectorAll(
            '[data-mime-type="application/vnd.jupyter.stderr"], .jp-OutputArea-output.jp-mod-error'))
            .map(node => node.innerText).filter(text => /Traceback|Error:/.test(text))
            .map(text => text.slice(0, 200))""")
        failures += [f"{path}: a notebook cell shows an error: {text}" for text in error_cells]
        links = page.evaluate("() => Array.from(document.querySelectorAll('a[href]')).map(a => a.href)")
        for link in links:
            if not link.startswith(base):
                continue
            target = SITE / unquote(urlparse(link).path).lstrip("/")
            if target.is_dir():
                target = target / "index.html"
            if not target.is_file():
                failures.append(f"{path}: link to a missing page {link[len(base):]}")
        failures += hangul_problems(page, session, path)
    assert not failures, f"{len(failures)} problems:\n" + "\n".join(sorted(set(failures))[:40])


def test_the_language_switch_leads_to_the_same_page(build_record, browser_page):
    page, base = browser_page
    for path, other in (("course/03_batchnorm.html", "ko/course/03_batchnorm.html"),
                        ("ko/demos/lesion.html", "demos/lesion.html")):
        visit(page, base, path)
        language = "ko" if other.startswith("ko/") else "en"
        link = page.evaluate(f"document.querySelector('a.md-select__link[hreflang=\"{language}\"]').href")
        assert urljoin(base, other) == link, (path, link)


def test_one_screenshot_per_language(build_record, browser_page):
    """Kept as a build artifact: website/_site_screenshots/{en,ko}.png (look at them)."""
    page, base = browser_page
    SCREENSHOTS.mkdir(exist_ok=True)
    for language, path in SCREENSHOT_PAGES.items():
        visit(page, base, path)
        page.evaluate("document.querySelector('article img') && document.querySelector('article img')"
                      ".scrollIntoView({block: 'center'})")
        page.wait_for_timeout(1000)  # the header's title changes with an animation after a scroll
        target = SCREENSHOTS / f"{language}.png"
        page.screenshot(path=str(target))
        assert target.stat().st_size > 20_000, f"{target} is suspiciously small"
