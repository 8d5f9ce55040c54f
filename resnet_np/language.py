"""The languages a demo speaks: English (the default) and Korean (`demo NAME --lang ko`).

A demo computes its numbers once, then draws its figures and writes its reading once per language asked for:
    lang="en"            English figures (name.png) and reading
    lang="ko"            Korean figures (name.ko.png) and reading
    lang=("en", "ko")    both, from the same run (the website uses this)
Korean text needs a font with Hangul: NanumGothic, from the koreanize-matplotlib package (requirements.txt),
read from the installed package's folder, never downloaded at run time. We only take its font file: importing
that package would change matplotlib's settings for the whole process.
"""

import importlib.util
from pathlib import Path

from .errors import UserError

LANGUAGES = ("en", "ko")
HANGUL_FONT_PACKAGE = "koreanize_matplotlib"
HANGUL_FONT_FILE = "NanumGothic.ttf"
_registered = {}  # font file -> family name, once per process


def languages(lang):
    """'en', 'ko' or a sequence of them -> a tuple without repeats; anything else is a one-line UserError."""
    asked = (lang,) if isinstance(lang, str) else tuple(lang)
    unknown = [item for item in asked if item not in LANGUAGES]
    if unknown or not asked:
        raise UserError(f"language {unknown[0] if unknown else lang!r} is not available; choose from "
                        f"{', '.join(LANGUAGES)}")
    return tuple(dict.fromkeys(asked))


def figure_file(filename, language):
    """The file a figure is written to: bn_variance.png in English, bn_variance.ko.png in Korean."""
    if language == "en":
        return filename
    stem, dot, extension = filename.rpartition(".")
    return f"{stem}.{language}.{extension}" if dot else f"{filename}.{language}"


def hangul_font_path():
    """Path of the Hangul font file shipped by koreanize-matplotlib (found without importing the package)."""
    spec = importlib.util.find_spec(HANGUL_FONT_PACKAGE)
    path = Path(spec.origin).parent / "fonts" / HANGUL_FONT_FILE if spec and spec.origin else None
    if path is None or not path.is_file():
        raise UserError("Korean figures need a font with Hangul: pip install koreanize-matplotlib "
                        "(it is in requirements.txt)")
    return path


def font_settings(language):
    """matplotlib settings for text in `language`: {} for English; for Korean the Hangul font first.

    DejaVu Sans (matplotlib's own) stays second in the list: matplotlib falls back to it, glyph by glyph, for
    the few symbols NanumGothic lacks. The minus sign is drawn as a hyphen, which NanumGothic has.
    """
    if language == "en":
        return {}
    from matplotlib import font_manager  # late: matplotlib is slow to import

    path = str(hangul_font_path())
    if path not in _registered:
        font_manager.fontManager.addfont(path)
        _registered[path] = font_manager.FontProperties(fname=path).get_name()
    return {"font.family": [_registered[path], "DejaVu Sans"], "axes.unicode_minus": False}
