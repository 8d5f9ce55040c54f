"""The site map: which file of the repository becomes which page of the website, and the links between them.

Every page exists in English (the site's root) and in Korean (under ko/). A repository file that has no Korean
version (docs/benchmarks.md, docs/demo_results.md) is shown in English on both sides; the Korean-only pages
(the glossary and the claims page) are shown in Korean on both sides.

Links are rewritten to the built site's relative URLs (pages end in .html: the site also works opened from
disk), in markdown pages and in the notebooks' markdown cells alike. A link to a file that is not on the site
(a source file, say) keeps its text and loses the link: the site has no copy of the repository to point into.
"""

import posixpath
import re
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
LANGUAGES = ("en", "ko")
COURSE = sorted(path.name for path in (REPO_ROOT / "notebooks").glob("*.ipynb"))
EXERCISES = sorted(path.name for path in (REPO_ROOT / "notebooks" / "exercises").glob("*.ipynb"))
DEMO_MODULES = {  # source file -> demo name (the demo pages stand for the modules)
    "gradient_flow": "gradient-flow", "training_dynamics": "training-dynamics", "degradation": "degradation",
    "layer_responses": "layer-responses", "lesion": "lesion", "bn_variance": "bn-variance",
    "shattered_gradients": "shattered-gradients", "loss_landscape": "loss-landscape",
    "bottleneck_cost": "bottleneck-cost", "feature_maps": "feature-maps",
}
ENGLISH_ONLY = ("docs/demo_results.md", "docs/benchmarks.md")  # shown in English on the Korean side too
LINK = re.compile(r"(!?)\[([^\]]*)\]\(([^)\s]+)\)")


def sources(language):
    """[(site page, repository file)] of one language, in course order. Demo pages are generated, not listed."""
    korean = language == "ko"
    notebooks = "notebooks/ko" if korean else "notebooks"
    pages = [("index.md", "README.ko.md" if korean else "README.md"),
             ("course/index.md", f"{notebooks}/README.md")]
    pages += [(f"course/{name}", f"{notebooks}/{name}") for name in COURSE]
    pages.append(("exercises/index.md", f"{notebooks}/exercises/README.md"))
    pages += [(f"exercises/{name}", f"{notebooks}/exercises/{name}") for name in EXERCISES]
    pages += [("glossary.md", "docs/ko/glossary.md"), ("claims.md", "docs/ko/claims.md"),
              ("results.md", ENGLISH_ONLY[0]), ("benchmarks.md", ENGLISH_ONLY[1])]
    return pages


def page_for(repository_path, language):
    """(language, site page) that stands for a repository file (or folder) in `language`, or None."""
    path = repository_path.rstrip("/")
    for candidate_language in (language, *[other for other in LANGUAGES if other != language]):
        for page, source in sources(candidate_language):
            if source == path or (page.endswith("index.md") and posixpath.dirname(source) == path):
                return candidate_language, page
    module = re.fullmatch(r"resnet_np/demos/(\w+)\.py", path)
    if module and module.group(1) in DEMO_MODULES:
        return language, f"demos/{DEMO_MODULES[module.group(1)]}.md"
    return None


def url(language, page):
    """The built page's URL from the site root: course/01_x.ipynb in Korean -> ko/course/01_x.html."""
    stem = page.rsplit(".", 1)[0]
    return (f"{language}/" if language != "en" else "") + stem + ".html"


def relative_url(from_language, from_page, to_language, to_page):
    """The link from one built page to another, relative (so the site works from any folder)."""
    start = posixpath.dirname(url(from_language, from_page)) or "."
    return posixpath.relpath(url(to_language, to_page), start)


def rewrite_links(text, source, language, page, assets):
    """Point the relative links of `text` (from repository file `source`, shown as `page`) at the site.

    assets(repository_path) -> path of the copied image within the language's tree (assets/...), or None.
    """

    def replace(match):
        bang, label, target = match.groups()
        if re.match(r"[a-z]+:", target) or target.startswith("#"):
            return match.group(0)
        path, _, anchor = target.partition("#")
        repository_path = posixpath.normpath(posixpath.join(posixpath.dirname(source), path))
        if bang:
            asset = assets(repository_path)  # copied into each language's tree: relative within it
            if asset is None:
                return f"({label})"
            return f"![{label}]({posixpath.relpath(asset, posixpath.dirname(page) or '.')})"
        found = page_for(repository_path, language)
        if found is None:
            return label
        link = relative_url(language, page, *found)
        return f"[{label}]({link}{'#' + anchor if anchor else ''})"

    return LINK.sub(replace, text)
