"""The demos in Korean (`demo NAME --lang ko`): the font really has the Hangul they write, and the switch works.

Each demo's quick test in test_demos.py / test_demos_new.py runs it in both languages at once (lang=BOTH), and
pyproject's filterwarnings turns matplotlib's "Glyph ... missing from font" into an error; here: the font file,
every Korean character the demos' source can write, a figure drawn in Korean, and the command line.
"""

import ast
import inspect
import re
import warnings
from pathlib import Path

import pytest

from resnet_np import demos
from resnet_np.cli import main
from resnet_np.demos.common import figure
from resnet_np.errors import UserError
from resnet_np.language import LANGUAGES, figure_file, font_settings, hangul_font_path, languages

DEMOS_FOLDER = Path(demos.__file__).parent
HANGUL = re.compile("[\uac00-\ud7a3]")


def characters_in(font_path):
    from matplotlib.ft2font import FT2Font

    return set(map(chr, FT2Font(str(font_path)).get_charmap()))


def korean_strings():
    """Every string constant (and f-string part) in resnet_np/demos/*.py that contains Hangul."""
    found = []
    for path in sorted(DEMOS_FOLDER.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and HANGUL.search(node.value):
                found.append((path.name, node.value))
    return found


def test_every_demo_speaks_every_language():
    for name, (function, _) in demos.DEMOS.items():
        assert "lang" in inspect.signature(function).parameters, f"demo {name} takes no lang"
    assert LANGUAGES == ("en", "ko")


def test_language_names_and_figure_files():
    assert languages("ko") == ("ko",) and languages(["en", "ko", "en"]) == ("en", "ko")
    assert figure_file("lesion.png", "en") == "lesion.png" and figure_file("lesion.png", "ko") == "lesion.ko.png"
    with pytest.raises(UserError, match="language 'fr' is not available; choose from en, ko"):
        languages("fr")
    assert font_settings("en") == {}


def test_the_font_covers_every_korean_character_the_demos_write():
    strings = korean_strings()
    assert len(strings) > 100, "the demos' Korean text was not found"
    nanum = characters_in(hangul_font_path())
    from matplotlib import font_manager

    dejavu = characters_in(font_manager.findfont("DejaVu Sans", fallback_to_default=False))
    hangul = {character for _, text in strings for character in HANGUL.findall(text)}
    assert hangul - nanum == set(), f"NanumGothic lacks {sorted(hangul - nanum)}"
    others = {character for _, text in strings for character in text if ord(character) > 127
              and not HANGUL.match(character)}
    missing = sorted(character for character in others if character not in nanum | dejavu)
    assert not missing, f"no font has {missing}"


def test_a_korean_figure_is_drawn_in_the_hangul_font(tmp_path):
    import matplotlib
    from matplotlib import font_manager

    path = tmp_path / figure_file("check.png", "ko")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a missing glyph would warn
        with figure(path, language="ko") as (fig, axes):
            axes[0, 0].plot([0, 1], [1, 2], label="잔차 신경망")
            axes[0, 0].set(title="블록마다 분산이 두 배로", xlabel="지나온 블록 수", ylabel="분산")
            axes[0, 0].legend()
            family = matplotlib.rcParams["font.family"]
            used = font_manager.findfont(font_manager.FontProperties(family=family[0]), fallback_to_default=False)
    assert Path(used).resolve() == hangul_font_path().resolve(), used
    assert path.read_bytes().startswith(b"\x89PNG") and path.stat().st_size > 10_000


def test_the_command_line_writes_the_korean_figure_and_reading(tmp_path, capsys):
    assert main(["demo", "bn-variance", "--quick", "--lang", "ko", "--out", str(tmp_path), "--set", "blocks=4",
                 "--threads", "1"]) == 0
    printed = capsys.readouterr().out
    assert HANGUL.search(printed) and "Variance of the activations" not in printed
    assert (tmp_path / "bn_variance.ko.png").is_file() and not (tmp_path / "bn_variance.png").exists()


def test_an_unknown_language_is_refused_in_one_line(tmp_path, capsys):
    with pytest.raises(SystemExit):
        main(["demo", "bn-variance", "--quick", "--lang", "fr", "--out", str(tmp_path)])
    assert "invalid choice: 'fr' (choose from 'en', 'ko')" in capsys.readouterr().err


def test_a_korean_log_axis_draws_its_minus_signs(tmp_path, caplog):
    """10^-4 on a log axis is math text, whose minus sign (U+2212) NanumGothic lacks; figure() draws tick labels
    in DejaVu Sans for Korean. matplotlib only logs such a missing glyph (no warning), so read its log."""
    with caplog.at_level("WARNING"):
        with figure(tmp_path / "log.ko.png", language="ko") as (fig, axes):
            image = axes[0, 0].imshow([[1e-4, 1.0]], norm="log")
            fig.colorbar(image, ax=axes[0, 0], label="크기")
            axes[0, 0].plot([0, 1], [1e-4, 1.0])
            axes[0, 0].set(yscale="log", title="로그 눈금")
    assert not [record for record in caplog.records if "missing from" in record.getMessage()], caplog.text


def test_the_environment_sets_the_default_language(tmp_path, monkeypatch):
    """RESNET_NP_LANG=ko: a demo called as a notebook calls it (no lang) draws and reads in Korean; unset: English."""
    from resnet_np.demos import bn_variance

    monkeypatch.delenv("RESNET_NP_LANG", raising=False)
    english = bn_variance(quick=True, out_dir=str(tmp_path / "en"), verbose=False, blocks=4)
    assert not HANGUL.search(english.reading) and (tmp_path / "en" / "bn_variance.png").is_file()
    monkeypatch.setenv("RESNET_NP_LANG", "ko")
    assert languages(None) == ("ko",)
    korean = bn_variance(quick=True, out_dir=str(tmp_path / "ko"), verbose=False, blocks=4)
    assert HANGUL.search(korean.reading) and "Variance of the activations" not in korean.reading
    assert (tmp_path / "ko" / "bn_variance.ko.png").is_file() and not (tmp_path / "ko" / "bn_variance.png").exists()
    assert bn_variance(quick=True, out_dir=str(tmp_path / "asked"), verbose=False, blocks=4,
                       lang="en").reading == english.reading  # an explicit lang wins over the environment


def test_a_wrong_language_in_the_environment_is_one_line(monkeypatch):
    monkeypatch.setenv("RESNET_NP_LANG", "kr")
    with pytest.raises(UserError, match="RESNET_NP_LANG='kr' is not a language resnet_np speaks; choose from en, ko"):
        languages(None)
