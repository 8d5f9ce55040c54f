"""The demo pages: each lecture demo is run once, its figures and reading drawn in English and in Korean, and
written as one page per language (demos/NAME.md), plus an index page of all demos in lecture order."""

import html
import posixpath
import shutil

from pages import relative_url

TITLES = {  # demo -> (English title, English description, Korean title, Korean description); the descriptions
    # speak of the demo in general: what it found is in its reading, from the run the page shows
    "gradient-flow": ("Gradient flow at initialisation",
                      "The size of the gradient at every block at initialisation, relative to the last block: plain "
                      "nets against residual nets of several depths.",
                      "초기화 직후의 기울기 흐름",
                      "초기화 직후 각 블록에서 잰 기울기의 크기를 마지막 블록과 비교합니다. 깊이가 다른 플레인 "
                      "신경망과 잔차 신경망을 나란히 봅니다."),
    "training-dynamics": ("Training dynamics of the first steps",
                          "Per-layer activation std, gradient norm and update ratio |lr*grad|/|W| over the first SGD "
                          "steps of a deep plain net and a ResNet.",
                          "훈련 초기의 동역학",
                          "처음 SGD 단계들 동안 층마다 활성값의 표준편차, 기울기의 크기, 갱신 비율 |lr*grad|/|W|를 "
                          "잽니다. 깊은 플레인 신경망과 ResNet을 비교합니다."),
    "degradation": ("The degradation problem (Figure 6)",
                    "The paper's Figure 6: a shallower and a deeper plain net and their residual twins, trained with "
                    "identical settings over several seeds, their training and test errors side by side.",
                    "퇴화 문제 (그림 6)",
                    "논문의 그림 6입니다. 얕은 플레인 신경망과 깊은 플레인 신경망, 그리고 같은 깊이의 잔차 신경망을 "
                    "같은 설정으로 여러 시드에서 훈련하고, 훈련 오차와 테스트 오차를 나란히 놓습니다."),
    "layer-responses": ("Layer responses (Figure 7)",
                        "The paper's Figure 7: the standard deviation of every block's residual F(x) at "
                        "initialisation and after training, plain net against ResNet.",
                        "층 응답의 크기 (그림 7)",
                        "논문의 그림 7입니다. 각 블록의 잔차 F(x)의 표준편차를 초기화 직후와 훈련 뒤에 잽니다. "
                        "플레인 신경망과 ResNet을 비교합니다."),
    "lesion": ("Deleting one block (Veit et al. 2016)",
               "Delete one block at test time from a trained ResNet and from its plain twin, and measure the test "
               "error each deletion leaves.",
               "블록 하나 지우기 (Veit et al. 2016)",
               "훈련한 ResNet과 그 플레인 쌍둥이에서 테스트 때 블록 하나를 지우고, 지울 때마다 테스트 오차가 "
               "어떻게 되는지 잽니다."),
    "bn-variance": ("Variance through residual blocks",
                    "The variance of the activations through a deep stack of residual blocks at initialisation, "
                    "without BatchNorm and with it (pre-activation blocks).",
                    "잔차 블록을 지나는 분산",
                    "초기화 직후 깊게 쌓은 잔차 블록을 지나며 활성값의 분산을 잽니다. 배치 정규화가 없을 때와 "
                    "(사전 활성화 블록으로) 있을 때를 비교합니다."),
    "shattered-gradients": ("Shattered gradients (Balduzzi et al. 2017)",
                            "The gradient with respect to the input along a line of inputs at initialisation: how "
                            "much it keeps its structure from one input to the next, in plain and residual nets of "
                            "growing depth.",
                            "산산조각 난 기울기 (Balduzzi et al. 2017)",
                            "초기화 직후 입력을 한 직선을 따라 움직이며 입력에 대한 기울기를 잽니다. 깊이가 늘 때 "
                            "이웃한 입력의 기울기가 얼마나 닮았는지를 플레인 신경망과 잔차 신경망에서 비교합니다."),
    "loss-landscape": ("Loss landscape (Li et al. 2018)",
                       "1-D and 2-D slices of the training loss around trained weights along random filter-normalised "
                       "directions, plain net against residual net of the same depth.",
                       "손실 지형 (Li et al. 2018)",
                       "훈련한 가중치 주변에서 필터 정규화한 무작위 방향으로 손실의 1차원, 2차원 단면을 그립니다. "
                       "깊이가 같은 플레인 신경망과 잔차 신경망을 비교합니다."),
    "bottleneck-cost": ("What a bottleneck saves (Figure 5)",
                        "Multiply-adds and parameters, counted by resnet_np.summary: a 5x5 convolution with and "
                        "without a 1x1 reduction, and a basic block against a bottleneck block.",
                        "병목 블록이 아끼는 계산 (그림 5)",
                        "1x1 축소가 있을 때와 없을 때 5x5 합성곱의 곱셈-덧셈 수, 그리고 기본 블록과 병목 블록의 "
                        "비용을 resnet_np.summary로 셉니다."),
    "feature-maps": ("Filters and feature maps",
                     "The first convolution's filters and every stage's feature maps for one image, from a trained "
                     "model.",
                     "필터와 특징 맵",
                     "훈련한 모델의 첫 합성곱 필터와 단계마다의 특징 맵을 한 이미지에 대해 보여 줍니다."),
}
WORDS = {
    "en": {"demos": "Demos", "intro": "Every demo of `python -m resnet_np demo`, run by this build, in lecture order. "
                                      "Each page shows the figures and the reading the demo printed, and the size "
                                      "of the run that produced them.",
           "command": "Command", "run": "This run", "reading": "What the demo printed", "figures": "Figures",
           "quick": "The numbers and figures on this page come from this build's run at the **quick size** "
                    "(`--quick`), not from a lecture run; the lecture-size numbers are on the [Results]({results}) "
                    "page. It took {seconds:.0f} s.",
           "full": "The numbers and figures on this page come from this build's run at **lecture size**. "
                   "It took {seconds:.0f} s.",
           "table": ("setting", "this run", "lecture size", "quick size"), "all": "all",
           "no sizes": "This demo counts; it has no sizes to choose."},
    "ko": {"demos": "데모", "intro": "`python -m resnet_np demo`의 모든 데모를 이 빌드가 강의 순서대로 실행한 "
                                     "결과입니다. 페이지마다 데모가 그린 그림과 출력한 해설, 그리고 그 수치를 낸 "
                                     "실행의 크기를 싣습니다.",
           "command": "명령", "run": "이번 실행", "reading": "데모가 출력한 해설", "figures": "그림",
           "quick": "이 페이지의 수치와 그림은 이 빌드가 데모를 **빠른 크기**(`--quick`)로 실행한 결과이며, "
                    "강의용 실행의 결과가 아닙니다. 강의 크기의 수치는 [Results]({results}) 페이지(영어)에 "
                    "있습니다. 실행에 {seconds:.0f}초 걸렸습니다.",
           "full": "이 페이지의 수치와 그림은 이 빌드가 데모를 **강의 크기**로 실행한 결과입니다. 실행에 "
                   "{seconds:.0f}초 걸렸습니다.",
           "table": ("설정", "이번 실행", "강의 크기", "빠른 크기"), "all": "전부",
           "no sizes": "이 데모는 수를 세기만 하므로 고를 크기가 없습니다."},
}


def run_demos(quick, figures_root, log):
    """Run every demo once in both languages -> {name: DemoResult}; figures land in figures_root/NAME/."""
    from resnet_np.demos import DEMOS, run_demo

    results = {}
    for name in DEMOS:
        folder = figures_root / name
        shutil.rmtree(folder, ignore_errors=True)
        results[name] = run_demo(name, quick=quick, out_dir=folder, verbose=False, lang=("en", "ko"))
        log(f"demo {name} ({'quick' if quick else 'lecture size'}): {results[name].seconds:.0f} s")
    return results


def write_demo_pages(results, quick, docs, language, assets_url):
    """Write docs/<language>/demos/index.md and one page per demo; assets_url(name, file) -> site path."""
    words = WORDS[language]
    folder = docs / language / "demos"
    folder.mkdir(parents=True, exist_ok=True)
    index = [f"# {words['demos']}", "", words["intro"], ""]
    for name, result in results.items():
        english, english_description, korean, korean_description = TITLES[name]
        title, description = (korean, korean_description) if language == "ko" else (english, english_description)
        page = f"demos/{name}.md"
        index.append(f"- [{title}]({name}.md): {description}")
        start = posixpath.dirname(page)
        flag = " --lang ko" if language == "ko" else ""
        size = (words["quick"].format(results=relative_url(language, page, language, "results.md"),
                                      seconds=result.seconds) if quick
                else words["full"].format(seconds=result.seconds))
        lines = [f"# {title}", "", description, "", f"## {words['command']}", "", "```bash",
                 f"python -m resnet_np demo {name}{' --quick' if quick else ''}{flag}", "```", "",
                 f"## {words['run']}", "", size, "", *settings_table(name, quick, words), "",
                 f"## {words['reading']}", "",
                 f'<pre class="demo-reading">{html.escape(result.readings[language].rstrip())}</pre>', "",
                 f"## {words['figures']}", ""]
        for path in result.figures:
            file = posixpath.basename(str(path))
            if file.endswith(".ko.png") != (language == "ko"):
                continue
            lines += [f"![{title}: {file}]({posixpath.relpath(assets_url(name, file), start)})", ""]
        (folder / f"{name}.md").write_text("\n".join(lines), encoding="utf-8")
    (folder / "index.md").write_text("\n".join(index) + "\n", encoding="utf-8")


def settings_table(name, quick, words):
    """Markdown lines: the settings (the demo's PRESETS) of this run next to the other size's, where they differ."""
    import importlib

    from resnet_np.demos import DEMOS

    presets = getattr(importlib.import_module(DEMOS[name][0].__module__), "PRESETS", None)
    if not presets:
        return [words["no sizes"]]
    this, other = (presets["quick"], presets["full"]) if quick else (presets["full"], presets["quick"])
    setting, this_run, lecture, quick_size = words["table"]

    def shown(value):
        if value is None:
            return words["all"]
        return ", ".join(str(item) for item in value) if isinstance(value, (tuple, list)) else str(value)

    lines = [f"| {setting} | {this_run} | {lecture if quick else quick_size} |", "|---|---|---|"]
    lines += [f"| `{key}` | {shown(value)} | {shown(other.get(key))} |" for key, value in this.items()
              if value != other.get(key)]
    return lines
