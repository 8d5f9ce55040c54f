"""Build the course as a static website, in English and in Korean.

    pip install -e ".[site]"                  # once: MkDocs, Material and its plugins, PyTorch (notebook 07),
                                              # Playwright for the test
    python website/build.py --quick          # notebooks and demos at their quick sizes (minutes; what CI builds)
    python website/build.py                  # lecture sizes: the numbers a lecture shows (much longer)
    python website/build.py --no-answers     # the student site: the workbook's folded answers left out
    python -m http.server -d website/_site   # then open http://localhost:8000 (or open index.html from disk)

What it does, in order (one line per step, with its time):
  1. stage: copy README, the Korean pages and the docs into website/_build/docs/<language>/, links rewritten to the
     site's pages (pages.py);
  2. execute every notebook, course and workbook, in a fresh Jupyter kernel (quick mode sets RESNET_NP_QUICK=1,
     as the tests do), each language its own (the Korean ones with RESNET_NP_LANG=ko: Korean figures), the two
     side by side (notebook_pages.py). A cell that raises, or prints that something is not installed or skipped,
     stops the build with the notebook and the cell: the site never publishes an incomplete page;
  3. run every demo once, drawing its figures and reading in both languages (demo_pages.py);
  4. MkDocs (Material theme, mkdocs-jupyter for the notebooks, glightbox: every image opens at full size; the
     offline plugin: search works from disk too) builds each language: English at the site's root,
     Korean in ko/, with a switch on every page to the same page in the other language; the site lands in
     website/_site, whose build.json records the pages and how long each step took.
The Korean pages use NanumGothic, served with the site (from koreanize-matplotlib, as the demos' figures), so they
render Hangul even on a machine without a Korean font.
"""

import argparse
import datetime
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pages
from demo_pages import run_demos, write_demo_pages
from notebook_pages import check_needs, execute_notebooks

WEBSITE = Path(__file__).resolve().parent
STAGE = WEBSITE / "_build"
DEFAULT_OUT = WEBSITE / "_site"
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".svg", ".gif")
ENGLISH_ONLY_NOTE = ("> 이 페이지는 영어로만 있습니다. 수치와 표는 코드가 만든 그대로 싣고, 용어는 "
                     "[용어집](glossary.md)에서 찾아볼 수 있습니다.\n\n")


def log(message):
    print(f"[site {time.strftime('%H:%M:%S')}] {message}", flush=True)


def copy_asset(repository_path, docs):
    """Copy an image of the repository into both languages' assets/ -> its path there, or None if missing."""
    source = pages.REPO_ROOT / repository_path
    if not repository_path.endswith(IMAGE_SUFFIXES) or not source.is_file():
        return None
    relative = f"assets/{repository_path}"
    for language in pages.LANGUAGES:
        target = docs / language / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target)
    return relative


def stage_markdown(docs):
    """Step 1: the markdown pages of both languages, links rewritten."""
    for language in pages.LANGUAGES:
        for page, source in pages.sources(language):
            if not page.endswith(".md"):
                continue
            text = (pages.REPO_ROOT / source).read_text(encoding="utf-8")
            text = pages.rewrite_links(text, source, language, page, lambda path: copy_asset(path, docs))
            if language == "ko" and source in pages.ENGLISH_ONLY:
                title, _, body = text.partition("\n")
                text = f"{title}\n\n{ENGLISH_ONLY_NOTE}{body}"
            target = docs / language / page
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text, encoding="utf-8")


def stage_demos(docs, quick, scratch):
    """Step 3: run the demos, copy their figures into both languages' trees, write the demo pages."""
    results = run_demos(quick, scratch / "demos", log)
    for language in pages.LANGUAGES:
        for name, result in results.items():
            target = docs / language / "assets" / "demos" / name
            target.mkdir(parents=True, exist_ok=True)
            for figure in result.figures:
                shutil.copy(figure, target)
        write_demo_pages(results, quick, docs, language, lambda name, file: f"assets/demos/{name}/{file}")
    return {name: round(result.seconds, 1) for name, result in results.items()}


def stage_theme(docs):
    """The Hangul font and the style sheet that uses it, in both languages' trees.

    Browsers check a web font's tables before using it (Chromium's OTS) and refuse this NanumGothic file for its
    empty TSI* tables (hinting-tool sources no renderer reads), so the site serves a copy without them.
    """
    from fontTools.ttLib import TTFont  # matplotlib's own dependency

    from resnet_np.language import hangul_font_path

    font = TTFont(hangul_font_path())
    for table in [tag for tag in font.keys() if tag.startswith("TSI")]:
        del font[table]
    for language in pages.LANGUAGES:
        assets = docs / language / "assets"
        (assets / "fonts").mkdir(parents=True, exist_ok=True)
        font.save(assets / "fonts" / "NanumGothic.ttf")
        shutil.copyfile(WEBSITE / "extra.css", assets / "extra.css")


def page_title(path):
    """The first level-1 heading of a markdown page or of a notebook's markdown cells (the nav shows it)."""
    if path.suffix == ".ipynb":
        cells = nbformat.read(path, as_version=4).cells
        text = "\n".join(cell.source for cell in cells if cell.cell_type == "markdown")
    else:
        text = path.read_text(encoding="utf-8")
    heading = next((line[2:].strip() for line in text.splitlines() if line.startswith("# ")), None)
    return heading or path.stem


def write_configs(docs):
    """website/mkdocs.yml completed for each language -> [(language, staged config file)], the site's root first.

    Each language gets its docs folder, its theme language (the interface's own words: 검색, 목차), the language
    switch and its nav, titled by the pages' own headings, section names translated by its nav_translations.
    """
    import yaml  # MkDocs' own dependency

    base = yaml.safe_load((WEBSITE / "mkdocs.yml").read_text(encoding="utf-8"))
    languages = base["extra"].pop("languages")
    root = next(iter(languages))

    def titled(entries, language, translations):
        result = []
        for entry in entries:
            if isinstance(entry, str):
                result.append({page_title(docs / language / entry): entry})
                continue
            (section, content), = entry.items()
            name = translations.get(section, section)
            result.append({name: titled(content, language, translations) if isinstance(content, list) else content})
        return result

    configs = []
    for language, settings in languages.items():
        config = {**base, "docs_dir": str(docs / language), "site_name": settings.get("site_name", base["site_name"]),
                  "theme": {**base["theme"], "language": language, "custom_dir": str(WEBSITE / "overrides")},
                  "nav": titled(base["nav"], language, settings.get("nav_translations", {}))}
        up = "" if language == root else "../"  # from this language's root to the site's root
        config["extra"] = {**base["extra"], "alternate": [
            {"name": other["name"], "lang": code, "link": up + ("" if code == root else f"{code}/")}
            for code, other in languages.items()]}
        path = docs.parent / f"mkdocs.{language}.yml"
        path.write_text(yaml.safe_dump(config, allow_unicode=True, sort_keys=False), encoding="utf-8")
        configs.append((language, path))
    return configs


def run_mkdocs(docs):
    """One MkDocs build per language, merged -> the site folder: the first language at its root, each other
    one in <language>/."""
    built = STAGE / "site"
    for index, (language, config) in enumerate(write_configs(docs)):
        target = built if index == 0 else built / language
        start = time.perf_counter()
        subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "--quiet", "--config-file", str(config),
                        "--site-dir", str(STAGE / f"site_{language}")], check=True,
                       env={**os.environ, "NO_MKDOCS_2_WARNING": "1"})
        shutil.move(STAGE / f"site_{language}", target)
        log(f"mkdocs ({language}): {time.perf_counter() - start:.0f} s")
    return built


def check_out(out):
    """Refuse (one line) an output folder that holds something other than an earlier build of this script."""
    if out.exists() and (not out.is_dir() or any(out.iterdir()) and not (out / "build.json").is_file()):
        raise SystemExit(f"error: {out} exists and is not a site built by website/build.py; choose another --out")


def replace_folder(new, out):
    """Put the built site at `out`, replacing an earlier build there (and nothing else: a folder that is not a
    build of this script is refused). The old site is moved aside before the new one moves in, then removed."""
    check_out(out)
    old = out.with_name(out.name + ".old")
    shutil.rmtree(old, ignore_errors=True)
    if out.exists():
        out.rename(old)
    out.parent.mkdir(parents=True, exist_ok=True)
    shutil.move(new, out)
    shutil.rmtree(old, ignore_errors=True)


def build(quick, out, answers=True):
    check_out(out)  # before the long part, not after it
    check_needs()
    timings, started = {}, time.perf_counter()
    docs, scratch = STAGE / "docs", STAGE / "scratch"
    shutil.rmtree(STAGE, ignore_errors=True)
    docs.mkdir(parents=True)

    step = time.perf_counter()
    stage_markdown(docs)
    stage_theme(docs)
    timings["stage"] = round(time.perf_counter() - step, 1)
    log(f"stage: the pages of {len(pages.LANGUAGES)} languages in {timings['stage']:.0f} s")

    step = time.perf_counter()
    notebooks = execute_notebooks(docs, quick, not answers, lambda path: copy_asset(path, docs), log)
    timings["notebooks"] = round(time.perf_counter() - step, 1)
    log(f"notebooks: {len(notebooks)} executed in {timings['notebooks']:.0f} s")

    step = time.perf_counter()
    demos = stage_demos(docs, quick, scratch)
    timings["demos"] = round(time.perf_counter() - step, 1)
    log(f"demos: {len(demos)} run in {timings['demos']:.0f} s")

    step = time.perf_counter()
    built = run_mkdocs(docs)
    timings["mkdocs"] = round(time.perf_counter() - step, 1)
    timings["total"] = round(time.perf_counter() - started, 1)

    record = {"mode": "quick" if quick else "full", "answers": answers,
              "finished": datetime.datetime.now(datetime.timezone.utc)
              .strftime("%Y-%m-%d %H:%M UTC"), "cores": os.cpu_count(), "seconds": timings,
              "notebook_seconds": notebooks, "demo_seconds": demos,
              "pages": sorted(str(path.relative_to(built)) for path in built.rglob("*.html")
                              if "assets" not in path.parts and path.name != "404.html")}
    (built / "build.json").write_text(json.dumps(record, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    replace_folder(built, out)
    log(f"done in {timings['total']:.0f} s: {len(record['pages'])} pages in {out}")
    return record


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python website/build.py", description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="notebooks and demos at their quick sizes")
    parser.add_argument("--no-answers", action="store_true",
                        help="the student site: the workbook's folded answers left out (default: the full site)")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help=f"output folder (default {DEFAULT_OUT})")
    args = parser.parse_args(argv)
    build(args.quick, args.out.resolve(), answers=not args.no_answers)
    return 0


if __name__ == "__main__":
    sys.exit(main())
