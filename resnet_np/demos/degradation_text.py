"""The words of demo `degradation` (resnet_np/demos/degradation.py): its figure's TEXT, the description of the
training for the progress line and the TEMPLATES of its findings (resnet_np/demos/render.py), per language.
"""

TEXT = {  # the figure's words, per language
    "en": {
        "title": "Plain vs residual nets of depth {shallow} and {deep}, identical settings, {seed_count} ({data})",
        "seed_count_one": "1 seed", "seed_count": "{seeds} seeds",
        "cifar": "CIFAR-10 subset", "synthetic": "synthetic task",
        "training": "{model} training error", "test": "{model} test error", "chance": "chance level (guessing)",
        "epoch": "epoch", "error": "error (%)",
        "plain_title": "plain nets (no shortcuts)", "residual_title": "ResNets (shortcuts)",
        "seeds_title": ": mean of {seeds} seeds, band = range", "seeds_title_one": ": one seed",
        "plain": "plain", "resnet": "ResNet", "one_seed": "one seed", "layers": "{depth} layers",
        "final": "final training error (%)", "final_title": "final training error (bar: mean of {seeds} seeds)",
        "final_title_one": "final training error (one seed)",
    },
    "ko": {
        "title": "깊이 {shallow}·{deep}의 플레인 신경망과 잔차 신경망: 같은 설정, {seed_count} ({data})",
        "seed_count_one": "시드 1개", "seed_count": "시드 {seeds}개",
        "cifar": "CIFAR-10의 일부", "synthetic": "합성 과제",
        "training": "{model} 훈련 오차", "test": "{model} 테스트 오차", "chance": "무작위로 찍는 수준",
        "epoch": "에포크", "error": "오차 (%)",
        "plain_title": "플레인 신경망 (지름길 없음)", "residual_title": "ResNet (지름길 있음)",
        "seeds_title": ": 시드 {seeds}개 평균, 띠 = 범위", "seeds_title_one": ": 시드 1개",
        "plain": "플레인", "resnet": "ResNet", "one_seed": "시드 하나", "layers": "{depth}층",
        "final": "최종 훈련 오차 (%)", "final_title": "최종 훈련 오차 (막대: 시드 {seeds}개 평균)",
        "final_title_one": "최종 훈련 오차 (시드 1개)",
    },
}


def describe(chosen, n_train, cifar):
    """The training, in words, for the demo's progress line (the reading says it with its own templates)."""
    widths = "/".join(map(str, chosen["widths"]))
    source = (f"CIFAR-10 ({n_train} training images)" if cifar else
              f"the synthetic task (difficulty {chosen['difficulty']}, {n_train} training "
              f"images of {chosen['image_size']}x{chosen['image_size']})")
    return (f"4 nets on {source}, widths {widths}, {chosen['epochs']} "
            f"epochs, batch {chosen['batch_size']}, lr {chosen['lr']:g} with "
            f"{chosen['warmup_epochs']} warm-up epoch(s) and a cosine schedule")


_SETUP = ("widths {widths}, {epochs} epochs, batch {batch}, lr {lr:g} with {warmup} warm-up epoch(s) and a cosine "
          "schedule, seeds {seeds}.")
_SETUP_KO = ("폭 {widths}, {epochs}에포크, 배치 {batch}, 학습률 {lr:g}(워밍업 {warmup}에포크, 코사인 스케줄), "
             "시드 {seeds}).")
TEMPLATES = {  # (finding key, verdict) -> sentence; the findings are degradation.findings()
    "en": {
        ("degradation.setup_synthetic", "measured"):
            "Training 4 nets on the synthetic task (difficulty {difficulty}, {train_images} training images of "
            "{size}x{size}), " + _SETUP,
        ("degradation.setup_cifar", "measured"): "Training 4 nets on CIFAR-10 ({train_images} training images), "
                                                 + _SETUP,
        ("degradation.table_header", "measured"):
            "Final errors, mean over {count} seed(s) [lowest-highest] (train = running error of the last epoch):",
        ("degradation.row", "measured"): "  {model:<9} train {train}   test {test}",
        ("degradation.row_some_diverged", "measured"):
            "  {model:<9} train {train}   test {test}   ({diverged} run(s) DIVERGED, left out)",
        ("degradation.row_diverged", "measured"): "  {model:<9} DIVERGED in every seed",
        ("degradation.rule", "measured"): "A difference counts only when the ranges over the seeds do not overlap.",
        ("degradation.plain_degrades", "shown"):
            "DEGRADATION SHOWED in every seed: {second} ended with a training error {mean:.1f} points HIGHER than "
            "{first} on average (per seed {per_seed}; test {test:+.1f}). More layers made the plain net worse on "
            "its own training data - not overfitting, an optimisation difficulty (paper, section 4.1).",
        ("degradation.plain_degrades", "within_noise"):
            "Degradation did NOT show clearly at this size: {second}'s final training error is {mean:+.1f} points "
            "from {first}'s on average (per seed {per_seed}), not above it in every seed by more than a point. The "
            "paper's effect needs the deeper plain net to be limited by optimisation.",
        ("degradation.plain_degrades", "reversed"):
            "No degradation at this size: {second} trained BETTER than {first} in every seed ({mean:+.1f} points "
            "of training error on average, per seed {per_seed}).",
        ("degradation.plain_degrades", "single_run"):
            "In this single run {second} ended with a training error {mean:.1f} points higher than {first} (test "
            "{test:+.1f}); one seed cannot tell degradation from luck.",
        ("degradation.plain_degrades", "not_shown"):
            "In this single run degradation did not show: {second}'s training error is {mean:+.1f} points from "
            "{first}'s.",
        ("degradation.plain_degrades_diverged", "measured"):
            "{first} or {second} diverged in every seed, so the plain comparison is not meaningful at these "
            "settings.",
        ("degradation.resnet_deeper_better", "shown"):
            "The deeper ResNet trained BETTER in every seed: {second} {mean:+.1f} points of training error against "
            "{first} (per seed {per_seed}), the direction of the paper's Figure 6.",
        ("degradation.resnet_deeper_better", "within_noise"):
            "The deeper ResNet did not train better than the shallower one: {second} {mean:+.1f} points of "
            "training error against {first} on average (per seed {per_seed}), within the spread over seeds, so "
            "neither wins.",
        ("degradation.resnet_deeper_better", "reversed"):
            "The deeper ResNet trained WORSE in every seed here ({mean:+.1f} points of training error, per seed "
            "{per_seed}): at this budget the right half of the paper's Figure 6 did not show.",
        ("degradation.resnet_deeper_better", "single_run"):
            "In this single run {second} trained better than {first} ({mean:+.1f} points of training error); one "
            "seed cannot tell it from luck.",
        ("degradation.resnet_deeper_better", "not_shown"):
            "In this single run {second} did not train better than {first} ({mean:+.1f} points of training "
            "error).",
        ("degradation.resnet_deeper_better_diverged", "measured"):
            "{first} or {second} diverged in every seed, so the residual comparison is not meaningful at these "
            "settings.",
        ("degradation.resnet_as_well", "shown"):
            "The deeper ResNet trained as well as the shallower one: {second}'s training error is {mean:+.1f} points "
            "from {first}'s on average, within {margin:g} point, and not above it in every seed.",
        ("degradation.resnet_as_well", "not_shown"):
            "In this run the deeper ResNet did not train as well as the shallower one: {second}'s training error is "
            "{mean:+.1f} points from {first}'s on average, more than {margin:g} point above it or above it in every "
            "seed.",
        ("degradation.resnet_as_well", "single_run"):
            "In this single run {second} trained as well as {first} ({mean:+.1f} points, within {margin:g} point).",
        ("degradation.resnet_test", "shown"):
            "On the test set {second} is {mean:+.1f} points from {first} (lower in every seed).",
        ("degradation.resnet_test", "reversed"):
            "On the test set {second} is {mean:+.1f} points from {first} (higher in every seed).",
        ("degradation.resnet_test", "within_noise"):
            "On the test set {second} is {mean:+.1f} points from {first} (within the spread over seeds: no "
            "winner).",
        ("degradation.resnet_test", "single_run"):
            "On the test set {second} is {mean:+.1f} points from {first} (lower in this single run).",
        ("degradation.resnet_test", "not_shown"):
            "On the test set {second} is {mean:+.1f} points from {first} (not lower in this single run).",
        ("degradation.shortcuts_at_depth", "shown"):
            "At the same depth the shortcuts make the difference: {second}'s training error is {size:.1f} points "
            "below {first}'s on average (every seed: {per_seed}), test {test:+.1f} points.",
        ("degradation.shortcuts_at_depth", "within_noise"):
            "{second} against {first}: {mean:+.1f} points of training error on average (per seed {per_seed}): "
            "not below it in every seed.",
        ("degradation.shortcuts_at_depth", "reversed"):
            "{second} against {first}: {mean:+.1f} points of training error on average (per seed {per_seed}): "
            "ABOVE it in every seed.",
        ("degradation.shortcuts_at_depth", "single_run"):
            "In this single run {second}'s training error is {size:.1f} points below {first}'s (test "
            "{test:+.1f}).",
        ("degradation.shortcuts_at_depth", "not_shown"):
            "In this single run {second}'s training error is not below {first}'s ({mean:+.1f} points).",
        ("degradation.shortcuts_at_depth_diverged", "measured"):
            "{first} or {second} diverged in every seed, so the two cannot be compared at these settings.",
    },
    "ko": {
        ("degradation.setup_synthetic", "measured"):
            "신경망 4개를 같은 설정으로 훈련했습니다(합성 과제: 난이도 {difficulty}, {size}x{size} 훈련 이미지 "
            "{train_images}장, " + _SETUP_KO,
        ("degradation.setup_cifar", "measured"):
            "신경망 4개를 같은 설정으로 훈련했습니다(CIFAR-10: 훈련 이미지 {train_images}장, " + _SETUP_KO,
        ("degradation.table_header", "measured"):
            "최종 오차, 시드 {count}개의 평균 [최저-최고] (훈련 오차 = 마지막 에포크 동안 누적한 오차):",
        ("degradation.row", "measured"): "  {model:<9} 훈련 {train}   테스트 {test}",
        ("degradation.row_some_diverged", "measured"):
            "  {model:<9} 훈련 {train}   테스트 {test}   (발산한 실행 {diverged}개는 뺌)",
        ("degradation.row_diverged", "measured"): "  {model:<9} 모든 시드에서 발산",
        ("degradation.rule", "measured"): "시드에 걸친 범위가 서로 겹치지 않을 때만 차이로 봅니다.",
        ("degradation.plain_degrades", "shown"):
            "모든 시드에서 퇴화 문제가 나타났습니다. {second}의 훈련 오차가 {first}보다 평균 {mean:.1f}%p 높게 "
            "끝났습니다(시드별 {per_seed}; 테스트 {test:+.1f}%p). 층을 늘렸더니 플레인 신경망이 자기 훈련 "
            "데이터에서조차 나빠졌습니다. 과적합이 아니라 최적화의 어려움입니다(논문 4.1절).",
        ("degradation.plain_degrades", "within_noise"):
            "이 크기에서는 퇴화 문제가 뚜렷하게 나타나지 않았습니다. {second}의 최종 훈련 오차는 {first}에 비해 "
            "평균 {mean:+.1f}%p(시드별 {per_seed})로, 모든 시드에서 1%p 넘게 높지는 않았습니다. 논문의 효과가 "
            "나타나려면 깊은 플레인 신경망이 최적화에 발목을 잡혀야 합니다.",
        ("degradation.plain_degrades", "reversed"):
            "이 크기에서는 퇴화 문제가 없었습니다. 모든 시드에서 {second}의 훈련 오차가 {first}보다 낮았습니다(평균 "
            "{mean:+.1f}%p, 시드별 {per_seed}).",
        ("degradation.plain_degrades", "single_run"):
            "이번 한 번의 실행에서 {second}의 훈련 오차가 {first}보다 {mean:.1f}%p 높게 끝났습니다(테스트 "
            "{test:+.1f}%p). 시드 하나로는 퇴화와 우연을 구별할 수 없습니다.",
        ("degradation.plain_degrades", "not_shown"):
            "이번 한 번의 실행에서는 퇴화 문제가 나타나지 않았습니다. {second}의 훈련 오차는 {first}에 비해 "
            "{mean:+.1f}%p입니다.",
        ("degradation.plain_degrades_diverged", "measured"):
            "{first}, {second} 가운데 하나가 모든 시드에서 발산했으므로 이 설정에서는 플레인 신경망끼리의 "
            "비교가 의미가 없습니다.",
        ("degradation.resnet_deeper_better", "shown"):
            "모든 시드에서 더 깊은 ResNet이 더 잘 훈련되었습니다. {second}의 훈련 오차는 {first}에 비해 "
            "{mean:+.1f}%p입니다(시드별 {per_seed}). 논문 Figure 6과 같은 방향입니다.",
        ("degradation.resnet_deeper_better", "within_noise"):
            "더 깊은 ResNet이 얕은 ResNet보다 더 잘 훈련되지는 않았습니다. {second}의 훈련 오차는 {first}에 비해 "
            "평균 {mean:+.1f}%p(시드별 {per_seed})로 시드에 따른 편차 안에 있으므로, 어느 쪽도 낫다고 할 수 "
            "없습니다.",
        ("degradation.resnet_deeper_better", "reversed"):
            "여기서는 모든 시드에서 더 깊은 ResNet이 더 나쁘게 훈련되었습니다(훈련 오차 {mean:+.1f}%p, 시드별 "
            "{per_seed}). 이 훈련 예산에서는 논문 Figure 6의 오른쪽 절반이 나타나지 않았습니다.",
        ("degradation.resnet_deeper_better", "single_run"):
            "이번 한 번의 실행에서 {second}의 훈련 오차가 {first}보다 낮았습니다({mean:+.1f}%p). 시드 하나로는 "
            "우연과 구별할 수 없습니다.",
        ("degradation.resnet_deeper_better", "not_shown"):
            "이번 한 번의 실행에서 {second}의 훈련 오차는 {first}보다 낮지 않았습니다({mean:+.1f}%p).",
        ("degradation.resnet_deeper_better_diverged", "measured"):
            "{first}, {second} 가운데 하나가 모든 시드에서 발산했으므로 이 설정에서는 잔차 신경망끼리의 비교가 의미가 "
            "없습니다.",
        ("degradation.resnet_as_well", "shown"):
            "더 깊은 ResNet도 얕은 ResNet만큼 잘 훈련되었습니다. {second}의 훈련 오차는 {first}에 비해 평균 "
            "{mean:+.1f}%p로 {margin:g}%p 안에 있고, 모든 시드에서 더 높지는 않습니다.",
        ("degradation.resnet_as_well", "not_shown"):
            "이번 실행에서 더 깊은 ResNet은 얕은 ResNet만큼 잘 훈련되지 못했습니다. {second}의 훈련 오차는 {first}에 "
            "비해 평균 {mean:+.1f}%p로, {margin:g}%p보다 높거나 모든 시드에서 더 높습니다.",
        ("degradation.resnet_as_well", "single_run"):
            "이번 한 번의 실행에서 {second}도 {first}만큼 잘 훈련되었습니다({mean:+.1f}%p, {margin:g}%p 안).",
        ("degradation.resnet_test", "shown"):
            "테스트 세트에서 {second}의 오차는 {first}에 비해 {mean:+.1f}%p입니다(모든 시드에서 더 낮음).",
        ("degradation.resnet_test", "reversed"):
            "테스트 세트에서 {second}의 오차는 {first}에 비해 {mean:+.1f}%p입니다(모든 시드에서 더 높음).",
        ("degradation.resnet_test", "within_noise"):
            "테스트 세트에서 {second}의 오차는 {first}에 비해 {mean:+.1f}%p입니다(시드에 따른 편차 안: 어느 쪽도 "
            "낫지 않음).",
        ("degradation.resnet_test", "single_run"):
            "테스트 세트에서 {second}의 오차는 {first}에 비해 {mean:+.1f}%p입니다(이번 한 번의 실행에서 더 낮음).",
        ("degradation.resnet_test", "not_shown"):
            "테스트 세트에서 {second}의 오차는 {first}에 비해 {mean:+.1f}%p입니다(이번 한 번의 실행에서 더 낮지 "
            "않음).",
        ("degradation.shortcuts_at_depth", "shown"):
            "같은 깊이에서는 지름길이 차이를 만듭니다. {second}의 훈련 오차는 {first}보다 평균 {size:.1f}%p "
            "낮습니다(모든 시드: {per_seed}). 테스트 오차의 차이는 {test:+.1f}%p입니다.",
        ("degradation.shortcuts_at_depth", "within_noise"):
            "{second} 대 {first}: 훈련 오차 평균 {mean:+.1f}%p(시드별 {per_seed}). 모든 시드에서 낮지는 "
            "않았습니다.",
        ("degradation.shortcuts_at_depth", "reversed"):
            "{second} 대 {first}: 훈련 오차 평균 {mean:+.1f}%p(시드별 {per_seed}). 모든 시드에서 더 높았습니다.",
        ("degradation.shortcuts_at_depth", "single_run"):
            "이번 한 번의 실행에서 {second}의 훈련 오차는 {first}보다 {size:.1f}%p 낮습니다(테스트 "
            "{test:+.1f}%p).",
        ("degradation.shortcuts_at_depth", "not_shown"):
            "이번 한 번의 실행에서 {second}의 훈련 오차는 {first}보다 낮지 않습니다({mean:+.1f}%p).",
        ("degradation.shortcuts_at_depth_diverged", "measured"):
            "{first}, {second} 가운데 하나가 모든 시드에서 발산했으므로 이 설정에서는 둘을 비교할 수 없습니다.",
    },
}
