"""The words of demo `feature-maps` (resnet_np/demos/feature_maps.py): its figures' TEXT and the TEMPLATES of its
findings (resnet_np/demos/render.py), per language (resnet_np/language.py)."""

TEXT = {
    "en": {
        "source_trained": "cifar_resnet depth {depth} (widths {widths}) trained {epochs} epoch(s) on the digits at "
                          "{size}x{size}, test error {error:.1f}%",
        "source_loaded": "{architecture} loaded from {checkpoint}",
        "picked_given": "", "picked_right": " (the first test image the model gets right)",
        "picked_none": " (the model gets none of the first test images right)",
        "at_init": "at initialisation (random)", "after_training": "after training", "filter": "filter {index}",
        "weight_colorbar": "weight value (red +, blue -)", "channel_mean": " (mean over input channels)",
        "filters_suptitle": "First conv layer: {count} filters of {kh}x{kw} pixels, {in_channels} input channel(s)",
        "before_after": ", before and after training", "input_image": "input image", "channel": "channel {index}",
        "maps_colorbar": "activation, scaled to each map's range (0 = its min, 1 = its max)",
        "maps_suptitle": "Feature maps of test image {index} (a '{label}', predicted '{predicted}' with "
                         "p = {probability:.2f}); first {shown} channels of each stage",
    },
    "ko": {
        "source_trained": "cifar_resnet 깊이 {depth} (폭 {widths}), {size}x{size} 손글씨 숫자로 {epochs}에포크 훈련, "
                          "테스트 오차 {error:.1f}%",
        "source_loaded": "{checkpoint}에서 불러온 {architecture}",
        "picked_given": "", "picked_right": "(모델이 맞힌 첫 테스트 이미지)",
        "picked_none": "(모델이 앞쪽 테스트 이미지를 하나도 맞히지 못함)",
        "at_init": "초기화 직후 (무작위)", "after_training": "훈련 후", "filter": "필터 {index}",
        "weight_colorbar": "가중치 값 (빨강 +, 파랑 -)", "channel_mean": ", 입력 채널의 평균",
        "filters_suptitle": "첫 합성곱 층: {kh}x{kw} 픽셀 필터 {count}개, 입력 채널 {in_channels}개",
        "before_after": ", 훈련 전과 후", "input_image": "입력 이미지", "channel": "채널 {index}",
        "maps_colorbar": "활성값 (맵마다 0 = 최솟값, 1 = 최댓값으로 맞춤)",
        "maps_suptitle": "테스트 이미지 {index}의 특징 맵 (정답 '{label}', 예측 '{predicted}', p = {probability:.2f}); "
                         "스테이지마다 앞쪽 채널 {shown}개",
    },
}


_IMAGE = {"en": "Test image {index}{picked}: a '{label}', predicted '{predicted}' (probability {probability:.2f})",
          "ko": "테스트 이미지 {index}{picked}: 정답 '{label}', 예측 '{predicted}' (확률 {probability:.2f})"}
_ENDING = {"en": {"shown": ".", "not_shown": " - a MISTAKE."},
           "ko": {"shown": ".", "not_shown": " - 예측이 틀렸습니다."}}
_FIRST_CONV = {"en": "First conv: {count} filters of {kh}x{kw} on {in_channels} input channel(s).",
               "ko": "첫 합성곱: 입력 채널 {in_channels}개에 걸친 {kh}x{kw} 필터 {count}개입니다."}
_CHANGE = {"en": " Compared with their random start (top rows of the figure): norm x{norm_ratio:.2f}, correlation with "
                 "the initial weights {correlation:.2f} ({verdict}); ||W - W0|| / ||W0|| = {relative_change:.2f}.",
           "ko": " 무작위 시작값(그림의 위쪽 줄)과 비교하면 노름(norm)은 x{norm_ratio:.2f}, 초기 가중치와의 상관은 "
                 "{correlation:.2f}({verdict})이고, ||W - W0|| / ||W0|| = {relative_change:.2f}입니다."}
_VERDICT = {"en": {"shown": "mostly the random start, rescaled and refined", "reversed": "reshaped well beyond the "
                   "random start", "not_shown": "partly reshaped"},
            "ko": {"shown": "대체로 무작위 시작값의 크기를 바꾸고 다듬은 정도",
                   "reversed": "무작위 시작값에서 크게 달라짐", "not_shown": "부분적으로 달라짐"}}


def _table(language):
    """The templates of one language, built from the pieces above (each piece is fixed text: no branching)."""
    text = TEXT[language]
    table = {
        ("feature_maps.source_trained", "measured"): {"en": "Model: ", "ko": "모델: "}[language]
                                                     + text["source_trained"] + ".",
        ("feature_maps.source_loaded", "measured"): {"en": "Model: ", "ko": "모델: "}[language]
                                                    + text["source_loaded"] + ".",
        ("feature_maps.first_conv_unknown_start", "measured"):
            _FIRST_CONV[language] + {"en": " (Its initial weights are not known for this file, so only the "
                                           "trained filters are shown.)",
                                     "ko": " 이 파일로는 초기 가중치를 알 수 없어서 훈련된 필터만 "
                                           "보여 줍니다."}[language],
        ("feature_maps.stages_header", "measured"):
            {"en": "Stage outputs for this image (channels x height x width, share of zeros after ReLU):",
             "ko": "이 이미지에 대한 각 스테이지의 출력 (채널 x 높이 x 너비, ReLU 뒤 0인 값의 비율):"}[language],
        ("feature_maps.stage_row", "measured"):
            {"en": "  {name:<7} {channels:>4} x {height:>3} x {width:<3}  {zeros:5.1f}% zeros",
             "ko": "  {name:<7} {channels:>4} x {height:>3} x {width:<3}  0인 값 {zeros:5.1f}%"}[language],
        ("feature_maps.same_cost_per_stage", "shown"):
            {"en": "One 3x3 conv costs {costs} multiply-adds in {stages}: about the same at every stage (within "
                   "1.3x) - halving the map and doubling the filters keeps the cost per layer (paper, section 3.3).",
             "ko": "3x3 합성곱 하나의 곱셈-덧셈은 {stages}에서 각각 {costs}번입니다. 모든 스테이지에서 거의 "
                   "같습니다(1.3배 안). 맵을 절반으로 줄이고 필터를 두 배로 늘리면 층마다의 계산량이 유지됩니다"
                   "(논문 3.3절)."}[language],
        ("feature_maps.same_cost_per_stage", "not_shown"):
            {"en": "One 3x3 conv costs {costs} multiply-adds in {stages}: NOT the same at every stage in this "
                   "model (more than 1.3x apart).",
             "ko": "3x3 합성곱 하나의 곱셈-덧셈은 {stages}에서 각각 {costs}번입니다. 이 모델에서는 스테이지마다 "
                   "같지 않다는 점에 주의하십시오(1.3배 넘게 차이 남)."}[language],
    }
    for picked in ("picked_given", "picked_right", "picked_none"):  # how the demo chose the image
        for verdict, ending in _ENDING[language].items():
            table[(f"feature_maps.image_{picked}", verdict)] = (_IMAGE[language].replace("{picked}", text[picked])
                                                               + ending)
    for verdict, words in _VERDICT[language].items():
        table[("feature_maps.filters_kept_start", verdict)] = (_FIRST_CONV[language]
                                                               + _CHANGE[language].replace("{verdict}", words))
    return table


TEMPLATES = {language: _table(language) for language in TEXT}  # the findings are feature_maps.findings()
