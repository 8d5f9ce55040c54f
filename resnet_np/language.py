"""The languages a demo speaks: English (the default) and Korean (`demo NAME --lang ko`).

A demo computes its numbers once, then draws its figures and writes its reading once per language asked for:
    lang="en"            English figures (name.png) and reading
    lang="ko"            Korean figures (name.ko.png) and reading
    lang=("en", "ko")    both, from the same run (the website uses this)
    lang=None            the default language: RESNET_NP_LANG=ko in the environment makes it Korean, so a Korean
                         notebook run with it draws Korean figures from the very same code cells; unset, English
Korean text needs a font with Hangul: NanumGothic, from the koreanize-matplotlib package (requirements.txt),
read from the installed package's folder, never downloaded at run time. We only take its font file: importing
that package would change matplotlib's settings for the whole process.
"""

import importlib.util
import os
from pathlib import Path

from .errors import UserError

LANGUAGES = ("en", "ko")
LANGUAGE_VARIABLE = "RESNET_NP_LANG"
HANGUL_FONT_PACKAGE = "koreanize_matplotlib"
HANGUL_FONT_FILE = "NanumGothic.ttf"
_registered = {}  # font file -> family name, once per process


def default_language():
    """RESNET_NP_LANG if set ('en' or 'ko'), else 'en'. Read at every call, so a notebook can set it."""
    text = os.environ.get(LANGUAGE_VARIABLE, "").strip().lower()
    if text and text not in LANGUAGES:
        raise UserError(f"{LANGUAGE_VARIABLE}={text!r} is not a language resnet_np speaks; choose from "
                        f"{', '.join(LANGUAGES)}")
    return text or "en"


def languages(lang):
    """'en', 'ko', a sequence of them, or None (the default_language()) -> a tuple without repeats.

    Anything else is a one-line UserError."""
    if lang is None:
        lang = default_language()
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
