"""The words of demo `degradation` (resnet_np/demos/degradation.py): its figure's TEXT, the description of the
training and the readings.

English (the original text, unchanged) and Korean; the numbers come from the demo, the words from here.
"""

TEXT = {  # the figure's words, per language
    "en": {
        "title": "Plain vs residual nets of depth {shallow} and {deep}, identical settings, {seeds} seeds ({data})",
        "cifar": "CIFAR-10 subset", "synthetic": "synthetic task",
        "training": "{model} training error", "test": "{model} test error", "chance": "chance level (guessing)",
        "epoch": "epoch", "error": "error (%)",
        "plain_title": "plain nets (no shortcuts)", "residual_title": "ResNets (shortcuts)",
        "seeds_title": ": mean of {seeds} seeds, band = range",
        "plain": "plain", "resnet": "ResNet", "one_seed": "one seed", "layers": "{depth} layers",
        "final": "final training error (%)", "final_title": "final training error (bar: mean of {seeds} seeds)",
    },
    "ko": {
        "title": "깊이 {shallow}·{deep}의 플레인 신경망과 잔차 신경망: 같은 설정, 시드 {seeds}개 ({data})",
        "cifar": "CIFAR-10의 일부", "synthetic": "합성 과제",
        "training": "{model} 훈련 오차", "test": "{model} 테스트 오차", "chance": "무작위로 찍는 수준",
        "epoch": "에포크", "error": "오차 (%)",
        "plain_title": "플레인 신경망 (지름길 없음)", "residual_title": "ResNet (지름길 있음)",
        "seeds_title": ": 시드 {seeds}개 평균, 띠 = 범위",
        "plain": "플레인", "resnet": "ResNet", "one_seed": "시드 하나", "layers": "{depth}층",
        "final": "최종 훈련 오차 (%)", "final_title": "최종 훈련 오차 (막대: 시드 {seeds}개 평균)",
    },
}


def describe(language, chosen, n_train, cifar):
    """The training the reading describes (data, widths, schedule), in `language`."""
    widths = "/".join(map(str, chosen["widths"]))
    if language == "ko":
        source = (f"CIFAR-10(훈련 이미지 {n_train}장)" if cifar else
                  f"합성 과제(난이도 {chosen['difficulty']}, {chosen['image_size']}x{chosen['image_size']} 훈련 "
                  f"이미지 {n_train}장)")
        return (f"{source}, 폭 {widths}, {chosen['epochs']}에포크, 배치 {chosen['batch_size']}, 학습률 "
                f"{chosen['lr']:g}(워밍업 {chosen['warmup_epochs']}에포크, 코사인 스케줄)")
    source = (f"CIFAR-10 ({n_train} training images)" if cifar else
              f"the synthetic task (difficulty {chosen['difficulty']}, {n_train} training "
              f"images of {chosen['image_size']}x{chosen['image_size']})")
    return (f"4 nets on {source}, widths {widths}, {chosen['epochs']} "
            f"epochs, batch {chosen['batch_size']}, lr {chosen['lr']:g} with "
            f"{chosen['warmup_epochs']} warm-up epoch(s) and a cosine schedule")


def _range(entry, key, diverged="  (diverged)   "):
    if entry[key] is None:
        return diverged
    return (f"{100 * entry[key]:5.1f}% [{100 * entry[f'{key}_min']:.1f}-{100 * entry[f'{key}_max']:.1f}]")


def _points(values):
    return ", ".join(f"{value:+.1f}" for value in values)


def _reading(final, comparisons, depths, labels, description, seeds):
    shallow, deep = depths
    ps, pd, rs, rd = labels
    lines = [f"Training {description}, seeds {', '.join(map(str, seeds))}.",
             f"Final errors, mean over {len(seeds)} seeds [lowest-highest] (train = running error of the last "
             "epoch):"]
    for label in labels:
        entry = final[label]
        diverged = sum(value is None for value in entry["train_error_per_seed"])
        lines.append(f"  {label:<9} train {_range(entry, 'train_error')}   test {_range(entry, 'test_error')}"
                     + (f"   ({diverged} run(s) DIVERGED, left out)" if diverged else ""))
    lines.append("A difference counts only when the ranges over the seeds do not overlap.")

    plain = comparisons["plain"]
    if plain["train"] is None:
        lines.append("The plain nets diverged, so the plain comparison is not meaningful at these settings.")
    elif plain["train_order"] == "above" and plain["train"] > 1.0:
        lines.append(f"DEGRADATION SHOWED in every seed: {pd} ended with a training error {plain['train']:.1f} "
                     f"points HIGHER than {ps} on average (per seed {_points(plain['train_per_seed'])}; test "
                     f"{plain['test']:+.1f}). More layers made the plain net worse on its own training data - not "
                     "overfitting, an optimisation difficulty (paper, section 4.1).")
    else:
        lines.append(f"Degradation did NOT show clearly at this size: {pd}'s final training error is "
                     f"{plain['train']:+.1f} points from {ps}'s on average (per seed "
                     f"{_points(plain['train_per_seed'])}), within the spread over seeds or below. The paper's effect "
                     "needs the deeper plain net to be limited by optimisation; with more epochs or a harder task it "
                     "usually appears.")

    residual = comparisons["resnet"]
    if residual["train"] is None:
        lines.append("The residual nets diverged, so the residual comparison is not meaningful at these settings.")
    elif residual["train_order"] == "below":
        lines.append(f"The deeper ResNet trained BETTER in every seed: {rd} {residual['train']:+.1f} points of "
                     f"training error against {rs} (per seed {_points(residual['train_per_seed'])}), as in the "
                     "paper's Figure 6.")
    elif residual["train_order"] == "overlap" and residual["train"] <= 1.0:
        lines.append(f"The deeper ResNet trained as well as the shallower one: {rd} {residual['train']:+.1f} "
                     f"points of training error against {rs} on average (per seed "
                     f"{_points(residual['train_per_seed'])}), within the spread over seeds, so neither wins. "
                     "The shortcuts removed the degradation; that the extra depth also lowers the error, as in the "
                     "paper, needs a task the shallow net cannot fit and a longer schedule.")
    elif residual["train_order"] == "above":
        lines.append(f"The deeper ResNet trained WORSE in every seed here ({residual['train']:+.1f} points of "
                     f"training error, per seed {_points(residual['train_per_seed'])}): at this budget the right "
                     "half of the paper's Figure 6 did not show.")
    else:
        lines.append(f"The deeper ResNet was neither clearly better nor clearly worse ({residual['train']:+.1f} "
                     f"points of training error on average, per seed {_points(residual['train_per_seed'])}).")
    if residual["test"] is not None:
        verdict = {"below": "lower in every seed", "above": "higher in every seed",
                   "overlap": "within the spread over seeds: no winner"}[residual["test_order"]]
        lines.append(f"On the test set {rd} is {residual['test']:+.1f} points from {rs} ({verdict}).")

    deep_pair = comparisons["deep"]
    if deep_pair["train"] is not None:
        if deep_pair["train_order"] == "below":
            lines.append(f"At the same depth the shortcuts make the difference: {rd}'s training error is "
                         f"{-deep_pair['train']:.1f} points below {pd}'s on average (every seed: "
                         f"{_points(deep_pair['train_per_seed'])}), test {deep_pair['test']:+.1f} points.")
        else:
            lines.append(f"{rd} against {pd}: {deep_pair['train']:+.1f} points of training error on average "
                         f"(per seed {_points(deep_pair['train_per_seed'])}): not below it in every seed.")
    return "\n".join(lines)


def _reading_ko(final, comparisons, depths, labels, description, seeds):
    ps, pd, rs, rd = labels
    lines = [f"신경망 4개를 같은 설정으로 훈련했습니다({description}, 시드 {', '.join(map(str, seeds))}).",
             f"최종 오차, 시드 {len(seeds)}개의 평균 [최저-최고] (훈련 오차 = 마지막 에포크 동안 누적한 오차):"]
    for label in labels:
        entry = final[label]
        diverged = sum(value is None for value in entry["train_error_per_seed"])
        lines.append(f"  {label:<9} 훈련 {_range(entry, 'train_error', '  (발산)       ')}   "
                     f"테스트 {_range(entry, 'test_error', '  (발산)       ')}"
                     + (f"   (발산한 실행 {diverged}개는 뺌)" if diverged else ""))
    lines.append("시드에 걸친 범위가 서로 겹치지 않을 때만 차이로 봅니다.")

    plain = comparisons["plain"]
    if plain["train"] is None:
        lines.append("플레인 신경망이 발산했으므로 이 설정에서는 플레인 신경망끼리의 비교가 의미가 없습니다.")
    elif plain["train_order"] == "above" and plain["train"] > 1.0:
        lines.append(f"모든 시드에서 퇴화 문제가 분명히 나타났습니다. {pd}의 훈련 오차가 {ps}보다 평균 "
                     f"{plain['train']:.1f}%p나 높게 끝났습니다(시드별 {_points(plain['train_per_seed'])}; 테스트 "
                     f"{plain['test']:+.1f}%p). 층을 늘렸더니 플레인 신경망이 자기 훈련 데이터에서조차 나빠졌습니다. "
                     "과적합이 아니라 최적화의 어려움입니다(논문 4.1절).")
    else:
        lines.append(f"이 크기에서는 퇴화 문제가 뚜렷하게 나타나지 않았습니다. {pd}의 최종 훈련 오차는 {ps}에 비해 "
                     f"평균 {plain['train']:+.1f}%p(시드별 {_points(plain['train_per_seed'])})로, 시드에 따른 편차 "
                     "안에 있거나 더 낮습니다. 논문의 효과가 나타나려면 깊은 플레인 신경망이 최적화에 발목을 잡혀야 "
                     "하며, 에포크를 늘리거나 더 어려운 과제를 쓰면 대개 나타납니다.")

    residual = comparisons["resnet"]
    if residual["train"] is None:
        lines.append("잔차 신경망이 발산했으므로 이 설정에서는 잔차 신경망끼리의 비교가 의미가 없습니다.")
    elif residual["train_order"] == "below":
        lines.append(f"모든 시드에서 더 깊은 ResNet이 더 잘 훈련되었습니다. {rd}의 훈련 오차는 {rs}에 비해 "
                     f"{residual['train']:+.1f}%p입니다(시드별 {_points(residual['train_per_seed'])}). 논문의 "
                     "Figure 6과 같습니다.")
    elif residual["train_order"] == "overlap" and residual["train"] <= 1.0:
        lines.append(f"더 깊은 ResNet도 얕은 ResNet만큼 잘 훈련되었습니다. {rd}의 훈련 오차는 {rs}에 비해 평균 "
                     f"{residual['train']:+.1f}%p(시드별 {_points(residual['train_per_seed'])})로 시드에 따른 "
                     "편차 안에 있으므로, 어느 쪽도 낫다고 할 수 없습니다. 지름길이 퇴화 문제를 없앴습니다. 논문처럼 "
                     "깊이를 더해 오차까지 낮추려면 얕은 신경망이 다 맞추지 못하는 과제와 더 긴 훈련이 필요합니다.")
    elif residual["train_order"] == "above":
        lines.append(f"여기서는 모든 시드에서 더 깊은 ResNet이 오히려 더 나쁘게 훈련되었습니다(훈련 오차 "
                     f"{residual['train']:+.1f}%p, 시드별 {_points(residual['train_per_seed'])}). 이 훈련 예산에서는 "
                     "논문 Figure 6의 오른쪽 절반이 나타나지 않았습니다.")
    else:
        lines.append(f"더 깊은 ResNet은 분명히 낫지도, 분명히 나쁘지도 않았습니다(훈련 오차 평균 "
                     f"{residual['train']:+.1f}%p, 시드별 {_points(residual['train_per_seed'])}).")
    if residual["test"] is not None:
        verdict = {"below": "모든 시드에서 더 낮음", "above": "모든 시드에서 더 높음",
                   "overlap": "시드에 따른 편차 안: 어느 쪽도 낫지 않음"}[residual["test_order"]]
        lines.append(f"테스트 세트에서 {rd}의 오차는 {rs}에 비해 {residual['test']:+.1f}%p입니다({verdict}).")

    deep_pair = comparisons["deep"]
    if deep_pair["train"] is not None:
        if deep_pair["train_order"] == "below":
            lines.append(f"같은 깊이에서는 지름길이 차이를 만듭니다. {rd}의 훈련 오차는 {pd}보다 평균 "
                         f"{-deep_pair['train']:.1f}%p 낮습니다(모든 시드: {_points(deep_pair['train_per_seed'])}). "
                         f"테스트 오차의 차이는 {deep_pair['test']:+.1f}%p입니다.")
        else:
            lines.append(f"{rd} 대 {pd}: 훈련 오차 평균 {deep_pair['train']:+.1f}%p(시드별 "
                         f"{_points(deep_pair['train_per_seed'])}). 모든 시드에서 낮지는 않았습니다.")
    return "\n".join(lines)


READINGS = {"en": _reading, "ko": _reading_ko}
