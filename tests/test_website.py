"""The built course website, opened in a real browser (headless Chromium, driven by Playwright).

For every page of both languages: it loads (HTTP 200, no script error, no local file missing), every image on it
has loaded, no notebook cell shows an error, and every link inside the site leads to a file that exists.
Korean pages are in Korean, and Hangul really renders, on every page: the browser reports the Hangul glyphs of
the title and the sidebar drawn with NanumGothic, the font the site serves (drawn in any other font here, they
would be boxes: this machine may have no Korean font).
Read as a reader would, at 1400x1000 and at a phone's 390 px: nothing sticks out of the main column outside a block
that scrolls sideways, no word of a report, table or the sidebar is broken, no row of a program's output wraps;
every image links to its full-size file; a demo figure's smallest text is >= 9 px tall as shown; search finds
"BatchNorm" and "배치 정규화" from the server and from disk; no output says something was not installed or skipped;
Korean notebook pages show the Korean figures; --no-answers leaves no folded answer in the workbook.
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
DESKTOP, PHONE = {"width": 1400, "height": 1000}, {"width": 390, "height": 844}


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
def browser(build_record):
    """(Chromium, the site's URL on a local server)."""
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
        chromium = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_FLAGS)
        yield chromium, f"http://127.0.0.1:{server.server_address[1]}/"
        chromium.close()
    server.shutdown()


@pytest.fixture(scope="module")
def browser_page(browser):
    """(a desktop browser tab, 1400x1000, the site's URL)."""
    chromium, base = browser
    page = chromium.new_page(viewport=DESKTOP)
    yield page, base
    page.close()


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


# ---- reading the pages: the layout at a desktop and a phone width, the figures, search, complete pages ------------

# Elements of the main column that stick out of it, outside any block that scrolls sideways.
OVERFLOWING = """() => {
    const column = document.querySelector('.md-content');
    const box = column.getBoundingClientRect();
    const scrolls = element => {
        for (let node = element.parentElement; node && node !== column; node = node.parentElement) {
            const overflow = getComputedStyle(node).overflowX;
            if (overflow === 'auto' || overflow === 'scroll') return true;
        }
        return false;
    };
    return Array.from(column.querySelectorAll('article *')).filter(element => {
        const rect = element.getBoundingClientRect();
        return rect.width > 0 && rect.height > 0 && (rect.right > box.right + 1 || rect.left < box.left - 1)
            && !scrolls(element);
    }).slice(0, 5).map(element => `${element.tagName}.${element.className}: ${element.textContent.slice(0, 60)}`);
}"""
# Words (letters and digits: a line may break after a hyphen or a bracket) of a report, a program's output, a
# table or the sidebar drawn on two lines, i.e. broken inside; rows of a program's plain text output drawn on more
# than one line (a table's row wrapped); cells that hide what does not fit.
BROKEN = """() => {
    const problems = [];
    const lines = range => new Set(Array.from(range.getClientRects()).filter(rect => rect.width > 0)
                                        .map(rect => Math.round(rect.top))).size;
    const blocks = document.querySelectorAll(
        'article .jp-OutputArea-output pre, article pre.demo-reading, article td, article th, .md-nav__link');
    for (const block of blocks) {
        const plain = block.matches('[data-mime-type="text/plain"] pre');
        const walker = document.createTreeWalker(block, NodeFilter.SHOW_TEXT);
        for (let node = walker.nextNode(); node && problems.length < 5; node = walker.nextNode()) {
            const pattern = plain ? /[^\\n]*\\S[^\\n]*/g : /[\\p{L}\\p{N}_]+/gu;  // rows; words: letters, digits
            for (const match of node.textContent.slice(0, 20000).matchAll(pattern)) {
                const range = document.createRange();
                range.setStart(node, match.index);
                range.setEnd(node, match.index + match[0].length);
                if (lines(range) > 1) {
                    problems.push((plain ? 'row wrapped: ' : 'word broken: ') + match[0].slice(0, 60));
                    break;
                }
            }
        }
        if (getComputedStyle(block).overflowX === 'hidden' && block.scrollWidth > block.clientWidth + 1) {
            problems.push('cut off: ' + block.textContent.slice(0, 60));
        }
    }
    return problems;
}"""
INCOMPLETE = re.compile(r"not installed|skipping", re.IGNORECASE)


def reading_problems(page, path):
    """What a reader stumbles on in the page open in `page`: see OVERFLOWING and BROKEN."""
    problems = [f"{path}: sticks out of the main column: {item}" for item in page.evaluate(OVERFLOWING)]
    return problems + [f"{path}: {item}" for item in page.evaluate(BROKEN)]


def test_pages_fit_their_column_without_breaking_words_at_a_desktop_and_a_phone_width(build_record, browser):
    """Every page at 1400x1000, and the notebook, exercise and demo pages again at 390 px: nothing sticks out of
    the main column except inside a block that scrolls; no word of a report or table is broken, no row of a
    program's text output wrapped, no cell hides text."""
    chromium, base = browser
    failures = []
    for viewport, paths in ((DESKTOP, build_record["pages"]),
                            (PHONE, ["index.html", "course/04_the_residual_block.html", "exercises/04_batchnorm2d.html",
                                     "ko/course/04_the_residual_block.html", "demos/degradation.html",
                                     "ko/demos/degradation.html"])):
        page = chromium.new_page(viewport=viewport)
        for path in paths:
            visit(page, base, path)
            failures += [f"{viewport['width']} px: {problem}" for problem in reading_problems(page, path)]
        page.close()
    assert not failures, f"{len(failures)} problems:\n" + "\n".join(failures[:40])


def test_every_image_links_to_its_full_size_file_and_no_page_is_incomplete(build_record, browser_page):
    page, base = browser_page
    failures = []
    for path in build_record["pages"]:
        visit(page, base, path)
        unlinked = page.evaluate("""() => Array.from(document.querySelectorAll('article img'))
            .filter(img => !(img.closest('a') && img.closest('a').href === img.src && !img.src.startsWith('data:')))
            .map(img => img.getAttribute('src').slice(0, 80))""")
        failures += [f"{path}: image not linked to its file: {src}" for src in unlinked]
        outputs = page.evaluate("""() => Array.from(document.querySelectorAll(
            'article .jp-OutputArea-output, article pre.demo-reading')).map(node => node.innerText)""")
        failures += [f"{path}: {line.strip()[:100]}" for text in outputs for line in text.splitlines()
                     if INCOMPLETE.search(line)]
    assert not failures, f"{len(failures)} problems:\n" + "\n".join(failures[:40])


def test_demo_figures_text_is_readable_at_the_column_width(build_record, browser_page):
    """The smallest text the figure style draws (tick labels, legends) is >= 9 px tall as displayed at 1400x1000:
    its size in points for the figure's width (resnet_np.demos.common.style), scaled by displayed / pixel width."""
    from resnet_np.demos.common import DPI, TEXT_SIZES, style

    page, base = browser_page
    measured, failures = [], []
    for path in build_record["pages"]:
        if "demos/" not in path or path.endswith("index.html"):
            continue
        visit(page, base, path)
        for src, shown, pixels in page.evaluate("""() => Array.from(document.querySelectorAll('article img'))
                .map(img => [img.getAttribute('src'), img.getBoundingClientRect().width, img.naturalWidth])"""):
            inches = pixels / DPI
            points = min(style(inches)[key] for key in TEXT_SIZES)
            height = points / 72 * DPI * shown / pixels
            measured.append(height)
            if height < 9:
                failures.append(f"{path}: {src}: {inches:.1f} in shown at {shown:.0f} px: {points:.1f} pt text "
                                f"is {height:.1f} px")
    assert len(measured) >= 20, measured
    assert not failures, "\n".join(failures)


def search_results(page, url, query):
    """Type `query` into the site's search box on `url` -> the titles of the results."""
    page.goto(url, wait_until="load")
    page.locator("input.md-search__input").click()
    page.keyboard.type(query)  # key by key, as a reader types: the theme searches on each key
    page.wait_for_selector(".md-search-result__item", timeout=20_000)
    return page.evaluate("Array.from(document.querySelectorAll('.md-search-result__item h1, "
                         ".md-search-result__item h2')).map(node => node.textContent)")


@pytest.mark.parametrize("language, query", [("en", "BatchNorm"), ("ko", "배치 정규화")])
def test_search_works_from_a_server_and_from_disk(build_record, browser_page, language, query):
    page, base = browser_page
    start = "ko/index.html" if language == "ko" else "index.html"
    for url in (base + start, (SITE / start).resolve().as_uri()):
        titles = search_results(page, url, query)
        assert titles, (url, query)


def test_korean_notebook_pages_show_the_korean_figures(build_record, browser_page):
    """Notebook 05 runs the demos: executed with RESNET_NP_LANG=ko, its Korean page shows the Korean figure files
    (name.ko.png: a page's figure file keeps the name its demo wrote), the English page the English ones."""
    page, base = browser_page
    shown = []
    for path in ("course/05_why_depth_hurts.html", "ko/course/05_why_depth_hurts.html"):
        visit(page, base, path)
        names = page.evaluate("Array.from(document.querySelectorAll('article img')).map(img => img.src)")
        shown.append([name.rsplit("/", 1)[-1] for name in names if re.search(r"/cell\d+-\d+-[^/]+\.png$", name)])
    english, korean = shown
    assert len(korean) >= 3 and len(korean) == len(english), shown
    assert all(name.endswith(".ko.png") for name in korean), korean
    assert not any(name.endswith(".ko.png") for name in english), english


def test_no_answers_leaves_out_every_folded_answer_of_the_workbook():
    """What `python website/build.py --no-answers` stages: no folded answer in any workbook notebook, in either
    language (and the default keeps them, or there would be nothing to leave out)."""
    import sys

    sys.path.insert(0, str(REPO_ROOT / "website"))
    import notebook_pages
    import pages

    def answers(source, language, page, no_answers):
        notebook = notebook_pages.prepare(source, language, page, None, no_answers, lambda path: None)
        return sum(cell.source.count("<details") for cell in notebook.cells if cell.cell_type == "markdown")

    workbook = [(language, page, source) for language in pages.LANGUAGES for page, source in pages.sources(language)
                if page.startswith("exercises/") and page.endswith(".ipynb")]
    assert len(workbook) == 2 * len(pages.EXERCISES)
    assert sum(answers(source, language, page, False) for language, page, source in workbook) >= 2 * 9
    assert all(answers(source, language, page, True) == 0 for language, page, source in workbook)


def test_the_built_workbook_has_its_answers_only_if_built_with_them(build_record, browser_page):
    page, base = browser_page
    counts = {}
    for path in build_record["pages"]:
        if "exercises/" in path and not path.endswith("index.html"):
            visit(page, base, path)
            counts[path] = page.evaluate("document.querySelectorAll('article details').length")
    if build_record.get("answers", True):
        assert sum(counts.values()) >= 2 * 9, counts
    else:
        assert not any(counts.values()), counts


def test_the_build_refuses_a_page_that_skipped_something_or_a_missing_need(monkeypatch):
    """A notebook output saying something was not installed or skipped stops the build (and a complete one does
    not); a module the notebooks execute, missing, stops it before it starts, naming it."""
    import sys

    import nbformat

    sys.path.insert(0, str(REPO_ROOT / "website"))
    import notebook_pages

    def notebook(text):
        cell = nbformat.v4.new_code_cell("check()", outputs=[nbformat.v4.new_output("stream", text=text)])
        return nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# 7"), cell])

    assert notebook_pages.incomplete_output(notebook("PyTorch not installed: skipping\n")) == (
        1, "PyTorch not installed: skipping")
    assert notebook_pages.incomplete_output(notebook("max |difference| 3.1e-07: PASS\n")) is None
    monkeypatch.setattr(notebook_pages, "NEEDED", {"resnet_np_no_such_module": "resnet_np_no_such_module==1"})
    with pytest.raises(SystemExit, match="resnet_np_no_such_module==1"):
        notebook_pages.check_needs()
