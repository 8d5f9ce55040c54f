"""The demo pages: each lecture demo is run once, its figures and reading drawn in English and in Korean, and
written as one page per language (demos/NAME.md), plus an index page of all demos in lecture order."""

import html
import posixpath
import shutil

from pages import relative_url

TITLES = {  # demo -> (English title, Korean title, Korean one-line description)
    "gradient-flow": ("Gradient flow at initialisation", "초기화 직후의 기울기 흐름",
                      "초기화 직후 각 블록에서 잰 기울기의 크기를 마지막 블록과 비교합니다. 플레인 신경망과 "
                      "잔차 신경망, 깊이 20/56/110."),
    "training-dynamics": ("Training dynamics of the first steps", "훈련 초기의 동역학",
                          "처음 수백 번의 SGD 단계 동안 층마다 활성값의 표준편차, 기울기의 크기, 갱신 비율 "
                          "|lr*grad|/|W|를 잽니다. 깊은 플레인 신경망과 ResNet."),
    "degradation": ("The degradation problem (Figure 6)", "퇴화 문제 (그림 6)",
                    "plain20/plain56/resnet20/resnet56을 같은 설정으로 여러 시드에서 훈련합니다. 깊은 플레인 "
                    "신경망은 훈련 오차부터 나빠지고, 깊은 ResNet은 얕은 것만큼 잘 훈련됩니다."),
    "layer-responses": ("Layer responses (Figure 7)", "층 응답의 크기 (그림 7)",
                        "각 블록의 잔차 F(x)의 표준편차를 초기화 직후와 훈련 뒤에 잽니다. ResNet에서 더 작지만 "
                        "0이 되지는 않습니다."),
    "lesion": ("Deleting one block (Veit et al. 2016)", "블록 하나 지우기 (Veit et al. 2016)",
               "훈련한 ResNet과 플레인 쌍둥이에서 테스트 때 블록 하나를 지웁니다. ResNet은 몇 퍼센트포인트만 "
               "잃고, 플레인 신경망은 찍는 수준으로 무너집니다."),
    "bn-variance": ("Variance through residual blocks", "잔차 블록을 지나는 분산",
                    "초기화 직후 깊게 쌓은 잔차 블록을 지나며 활성값의 분산을 잽니다. 배치 정규화가 없으면 "
                    "블록마다 두 배, 있으면 선형으로 늘어납니다."),
    "shattered-gradients": ("Shattered gradients (Balduzzi et al. 2017)", "산산조각 난 기울기 (Balduzzi et al. 2017)",
                            "입력을 한 직선을 따라 움직이며 입력에 대한 기울기를 잽니다. 깊은 플레인 신경망의 "
                            "기울기는 백색 잡음처럼 되고, 잔차 신경망의 기울기는 구조를 유지합니다."),
    "loss-landscape": ("Loss landscape (Li et al. 2018)", "손실 지형 (Li et al. 2018)",
                       "훈련한 가중치 주변에서 필터 정규화한 무작위 방향으로 손실의 1차원, 2차원 단면을 그립니다. "
                       "깊이가 같은 플레인 신경망과 잔차 신경망."),
    "bottleneck-cost": ("What a bottleneck saves (Figure 5)", "병목 블록이 아끼는 계산 (그림 5)",
                        "1x1 축소가 있을 때와 없을 때 5x5 합성곱의 곱셈-덧셈 수, 그리고 기본 블록과 병목 블록의 "
                        "비용을 resnet_np.summary로 셉니다."),
    "feature-maps": ("Filters and feature maps", "필터와 특징 맵",
                     "훈련한 모델의 첫 합성곱 필터와 단계마다의 특징 맵을 한 이미지에 대해 보여 줍니다."),
}
WORDS = {
    "en": {"demos": "Demos", "intro": "Every demo of `python -m resnet_np demo`, run by this build, in lecture order. "
                                      "Each page shows the figures and the reading the demo printed.",
           "command": "Command", "reading": "What the demo printed", "figures": "Figures",
           "quick": "This build ran the demo at its quick size (`--quick`), so the numbers differ from a lecture run; "
                    "the lecture-size numbers are on the [Results]({results}) page.",
           "full": "This build ran the demo at lecture size.", "seconds": "It took {seconds:.0f} s."},
    "ko": {"demos": "데모", "intro": "`python -m resnet_np demo`의 모든 데모를 이 빌드가 강의 순서대로 실행한 "
                                     "결과입니다. 페이지마다 데모가 그린 그림과 출력한 해설을 싣습니다.",
           "command": "명령", "reading": "데모가 출력한 해설", "figures": "그림",
           "quick": "이 빌드는 데모를 빠른 크기(`--quick`)로 실행했으므로 수치가 강의용 실행과 다릅니다. 강의 크기의 "
                    "수치는 [Results]({results}) 페이지(영어)에 있습니다.",
           "full": "이 빌드는 데모를 강의 크기로 실행했습니다.", "seconds": "실행에 {seconds:.0f}초 걸렸습니다."},
}


def run_demos(quick, figures_root, log):
    """Run every demo once in both languages -> {name: DemoResult}; figures land in figures_root/NAME/."""
    from resnet_np.demos import DEMOS, run_demo

    results = {}
    for name in DEMOS:
        folder = figures_root / name
        shutil.rmtree(folder, ignore_errors=True)
        log(f"demo {name} ({'quick' if quick else 'lecture size'})")
        results[name] = run_demo(name, quick=quick, out_dir=folder, verbose=False, lang=("en", "ko"))
    return results


def write_demo_pages(results, quick, docs, language, assets_url):
    """Write docs/<language>/demos/index.md and one page per demo; assets_url(name, file) -> site path."""
    words = WORDS[language]
    folder = docs / language / "demos"
    folder.mkdir(parents=True, exist_ok=True)
    index = [f"# {words['demos']}", "", words["intro"], ""]
    for name, result in results.items():
        english, korean, korean_description = TITLES[name]
        title = korean if language == "ko" else english
        description = korean_description if language == "ko" else _english_description(name)
        page = f"demos/{name}.md"
        index.append(f"- [{title}]({name}.md): {description}")
        start = posixpath.dirname(page)
        flag = " --lang ko" if language == "ko" else ""
        lines = [f"# {title}", "", description, "", f"## {words['command']}", "", "```bash",
                 f"python -m resnet_np demo {name}{' --quick' if quick else ''}{flag}", "```", "",
                 (words["quick"].format(results=relative_url(language, page, language, "results.md")) if quick
                  else words["full"]) + " " + words["seconds"].format(seconds=result.seconds), "",
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


def _english_description(name):
    from resnet_np.demos import list_demos

    description = list_demos()[name]
    return description[0].upper() + description[1:] + "."
