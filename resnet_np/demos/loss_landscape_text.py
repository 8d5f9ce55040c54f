"""The words of demo `loss-landscape` (resnet_np/demos/loss_landscape.py): its figures' TEXT and the TEMPLATES of its
findings (resnet_np/demos/render.py), per language (resnet_np/language.py)."""

TEXT = {
    "en": {
        "line_label": "{model} (loss {centre:.3f} at the weights)",
        "line_xlabel": "step along a random filter-normalised direction\n"
                       "(1 = as large as the weights, filter by filter)",
        "line_ylabel": "training loss (cross-entropy, log scale)",
        "line_title": "1-D slice of the loss around the trained weights, depth {depth}",
        "star": "trained weights", "xlabel": "step along direction 1", "ylabel": "step along direction 2",
        "shortcuts": "shortcuts", "no_shortcuts": "no shortcuts",
        "panel_title": "{model} ({shortcuts}): loss {centre:.3g} at the star",
        "colorbar": "training loss (cross-entropy, log colour scale;\nthe same levels in both panels)",
        "suptitle": "2-D slices of the training loss, depth {depth} (filter-normalised directions)",
    },
    "ko": {
        "line_label": "{model} (가중치 위치의 손실 {centre:.3f})",
        "line_xlabel": "필터 정규화된 무작위 방향으로의 이동 (1 = 필터마다 가중치만큼)",
        "line_ylabel": "훈련 손실 (교차 엔트로피, 로그 눈금)",
        "line_title": "훈련된 가중치 주변 손실의 1차원 단면, 깊이 {depth}",
        "star": "훈련된 가중치", "xlabel": "방향 1로의 이동", "ylabel": "방향 2로의 이동",
        "shortcuts": "지름길 있음", "no_shortcuts": "지름길 없음",
        "panel_title": "{model} ({shortcuts}): 별 위치의 손실 {centre:.3g}",
        "colorbar": "훈련 손실 (교차 엔트로피, 로그 색 눈금, 두 그림 공통)",
        "suptitle": "훈련 손실의 2차원 단면, 깊이 {depth} (필터 정규화된 방향)",
    },
}


TEMPLATES = {  # (finding key, verdict) -> sentence; the findings are loss_landscape.findings()
    "en": {
        ("loss_landscape.header", "measured"):
            "Training loss around the trained weights of two {depth}-layer nets (filter-normalised random "
            "directions; distance 1 = a step as large as the weights themselves, filter by filter):",
        ("loss_landscape.row", "measured"):
            "  {model:<9} loss {centre:.3f} at the weights, {half:.3f} on average at distance 0.5, {edge:.3g} at "
            "distance 1; 1-D slice changes direction {changes} time(s); local minima on the 2-D grid: {minima}",
        ("loss_landscape.plain_barely_trained", "single_run"):
            "The plain net barely trained in this run: its loss at the weights, {plain:.2f}, is {share:.0%} of "
            "chance level (ln {classes} = {chance:.2f}), so it sits on a high plateau, while the residual net "
            "({residual:.3f}) sits in a basin. Compare the rises below with that in mind.",
        ("loss_landscape.plain_barely_trained", "not_shown"):
            "The two nets' losses at the weights ({plain:.3f} plain, {residual:.3f} residual) are not on opposite "
            "sides of half of chance level ({half:.2f}): no plateau against basin here.",
        ("loss_landscape.plain_sharper", "single_run"):
            "In this run the plain net's loss rises faster around its weights: by {plain:.2f} at distance 0.5, the "
            "residual net's by {residual:.2f} (1.5 times or more). Li et al. report this contrast for deep nets "
            "(shortcuts keep the landscape smooth and nearly convex around the solution); one run cannot confirm "
            "it.",
        ("loss_landscape.plain_sharper", "reversed"):
            "In this run the RESIDUAL net's loss rises faster around its weights ({residual:.2f} vs {plain:.2f} at "
            "distance 0.5): the contrast of Li et al. did not show at this size.",
        ("loss_landscape.plain_sharper", "not_shown"):
            "In this run the two losses rise alike around the weights (at distance 0.5: plain {plain:.2f}, "
            "residual {residual:.2f}, within a factor 1.5): the contrast of Li et al. did not show at this size.",
        ("loss_landscape.plain_rougher", "single_run"):
            "The plain net's 2-D slice is rougher in this run: {plain} local minima on the grid against "
            "{residual}.",
        ("loss_landscape.plain_rougher", "not_shown"):
            "The plain net's 2-D slice has no more local minima than the residual net's in this run ({plain} "
            "against {residual}).",
        ("loss_landscape.plain_trained_worse", "single_run"):
            "Note the plain net also trained worse in this run (loss {plain:.3f} vs {residual:.3f} at the "
            "weights).",
        ("loss_landscape.plain_trained_worse", "not_shown"):
            "The plain net did not train clearly worse in this run (loss {plain:.3f} vs {residual:.3f} at the "
            "weights: not more than twice as high).",
        ("loss_landscape.colour_note", "measured"):
            "(Both panels share one logarithmic colour scale and the same labelled contour levels; losses above "
            "{top:.3g} are drawn in the top colour.)",
    },
    "ko": {
        ("loss_landscape.header", "measured"):
            "{depth}층 신경망 두 개의 훈련된 가중치 주변에서 잰 훈련 손실 (필터 정규화된 무작위 방향. 거리 1은 "
            "필터마다 가중치 자체만큼 큰 이동):",
        ("loss_landscape.row", "measured"):
            "  {model:<9} 가중치 위치의 손실 {centre:.3f}, 거리 0.5에서 평균 {half:.3f}, 거리 1에서 {edge:.3g}; "
            "1차원 단면에서 방향이 바뀐 횟수 {changes}번; 2차원 격자의 국소 최솟값 {minima}개",
        ("loss_landscape.plain_barely_trained", "single_run"):
            "이번 실행에서 플레인 신경망은 거의 훈련되지 않았습니다. 가중치 위치의 손실({plain:.2f})이 무작위로 "
            "찍는 수준(ln {classes} = {chance:.2f})의 {share:.0%}이므로 높은 고원 위에 있고, 잔차 신경망"
            "({residual:.3f})은 그릇 모양의 바닥에 있습니다. 아래의 상승 폭은 이 점을 염두에 두고 비교하십시오.",
        ("loss_landscape.plain_barely_trained", "not_shown"):
            "두 신경망의 가중치 위치 손실(플레인 {plain:.3f}, 잔차 {residual:.3f})이 무작위로 찍는 수준의 절반"
            "({half:.2f})을 사이에 두고 갈리지 않습니다. 여기서는 고원과 바닥의 대비가 없습니다.",
        ("loss_landscape.plain_sharper", "single_run"):
            "이번 실행에서는 플레인 신경망의 손실이 가중치 주변에서 더 빨리 오릅니다. 거리 0.5에서 플레인 신경망은 "
            "{plain:.2f}, 잔차 신경망은 {residual:.2f} 오릅니다(1.5배 이상). Li et al.은 깊은 신경망에서 이 "
            "대비를 보고합니다(지름길이 해 주변의 지형을 매끄럽고 거의 볼록하게 유지함). 실행 한 번으로는 확인할 수 "
            "없습니다.",
        ("loss_landscape.plain_sharper", "reversed"):
            "이번 실행에서는 오히려 잔차 신경망의 손실이 가중치 주변에서 더 빨리 오릅니다(거리 0.5에서 "
            "{residual:.2f} 대 {plain:.2f}). Li et al.이 본 대비가 이 크기에서는 나타나지 않았습니다.",
        ("loss_landscape.plain_sharper", "not_shown"):
            "이번 실행에서는 두 손실이 가중치 주변에서 비슷하게 오릅니다(거리 0.5에서 플레인 {plain:.2f}, 잔차 "
            "{residual:.2f}: 1.5배 안). Li et al.이 본 대비가 이 크기에서는 나타나지 않았습니다.",
        ("loss_landscape.plain_rougher", "single_run"):
            "이번 실행에서는 플레인 신경망의 2차원 단면이 더 울퉁불퉁합니다. 격자의 국소 최솟값이 {plain}개 대 "
            "{residual}개입니다.",
        ("loss_landscape.plain_rougher", "not_shown"):
            "이번 실행에서 플레인 신경망의 2차원 단면은 잔차 신경망보다 국소 최솟값이 많지 않습니다({plain}개 대 "
            "{residual}개).",
        ("loss_landscape.plain_trained_worse", "single_run"):
            "이번 실행에서 플레인 신경망은 훈련도 더 못 했다는 점에 주의하십시오(가중치 위치의 손실 {plain:.3f} 대 "
            "{residual:.3f}).",
        ("loss_landscape.plain_trained_worse", "not_shown"):
            "이번 실행에서 플레인 신경망이 뚜렷하게 더 못 훈련되지는 않았습니다(가중치 위치의 손실 {plain:.3f} 대 "
            "{residual:.3f}: 두 배를 넘지 않음).",
        ("loss_landscape.colour_note", "measured"):
            "(두 그림은 같은 로그 색 눈금과 같은 등고선 값을 씁니다. {top:.3g}보다 큰 손실은 맨 위의 색으로 "
            "그렸습니다.)",
    },
}
