"""The words of demo `shattered-gradients` (resnet_np/demos/shattered_gradients.py): the TEMPLATES of its findings
(resnet_np/demos/render.py), per language. (Its figures' TEXT is in the demo's module.)
"""

TEMPLATES = {  # (finding key, verdict) -> sentence; the findings are shattered_gradients.findings()
    "en": {
        ("shattered.header", "measured"):
            "Input gradient along a line of inputs, at initialisation (1 = smooth, 0 = white noise):\n"
            "  model       lag-1 autocorrelation   neighbour cosine",
        ("shattered.row", "measured"): "  {model:<10}  {lag1:21.3f}   {cosine:16.3f}",
        ("shattered.deep_residual_smoother", "single_run"):
            "At depth {depth} the residual net's gradient keeps more structure than the plain net's in this run "
            "(autocorrelation {residual:.2f} vs {plain:.2f}, 0.2 or more apart): the plain net's gradients are "
            "'shattered'. "
            "A shattered gradient says little about the loss a step away - one reading of why deep plain nets are "
            "hard to optimise.",
        ("shattered.deep_residual_smoother", "reversed"):
            "At depth {depth} the PLAIN net's gradient was smoother than the residual net's in this run "
            "({plain:.2f} vs {residual:.2f}).",
        ("shattered.deep_residual_smoother", "not_shown"):
            "At depth {depth} the residual net's gradient was NOT clearly smoother than the plain net's in this "
            "run ({residual:.2f} vs {plain:.2f}: less than 0.2 apart).",
        ("shattered.deep_plain_white_noise", "shown"):
            "At depth {depth} the plain net's gradient is white noise (autocorrelation {plain:.2f}, within 0.2 "
            "of 0).",
        ("shattered.deep_plain_white_noise", "not_shown"):
            "At depth {depth} the plain net's gradient is not white noise (autocorrelation {plain:.2f}, 0.2 or "
            "more away from 0).",
        ("shattered.shallow_smooth", "shown"):
            "At depth {depth} both are smooth ({plain:.2f} plain, {residual:.2f} residual; smooth = 0.8 or more).",
        ("shattered.shallow_smooth", "not_shown"):
            "At depth {depth} they are not both smooth ({plain:.2f} plain, {residual:.2f} residual; smooth = 0.8 "
            "or more).",
        ("shattered.effect_of_depth", "single_run"):
            "So in this run the plain net's gradient was smooth at depth {shallow} ({shallow_plain:.2f}) and not "
            "at depth {deep} ({deep_plain:.2f}): shattering came with depth.",
        ("shattered.effect_of_depth", "not_shown"):
            "In this run the plain net's gradient was not smooth at depth {shallow} and shattered at depth {deep} "
            "({shallow_plain:.2f}, {deep_plain:.2f}): this run does not show shattering coming with depth.",
    },
    "ko": {
        ("shattered.header", "measured"):
            "초기화 직후, 직선 위의 입력에서 잰 입력 기울기 (1 = 매끄러움, 0 = 백색 잡음):\n"
            "  모델               lag-1 자기상관     이웃 간 코사인",
        ("shattered.row", "measured"): "  {model:<10}  {lag1:21.3f}   {cosine:16.3f}",
        ("shattered.deep_residual_smoother", "single_run"):
            "이번 실행에서 깊이 {depth}의 잔차 신경망 기울기는 플레인 신경망보다 더 많은 구조를 유지합니다"
            "(자기상관 {residual:.2f} 대 {plain:.2f}, 차이 0.2 이상). 플레인 신경망의 기울기가 '산산조각 난' "
            "것입니다. 산산조각 난 기울기는 한 걸음 떨어진 곳의 손실에 대해 알려 주는 것이 거의 없습니다. 깊은 "
            "플레인 신경망을 최적화하기 어려운 이유에 대한 한 가지 설명입니다.",
        ("shattered.deep_residual_smoother", "reversed"):
            "이번 실행에서는 깊이 {depth}에서 플레인 신경망의 기울기가 잔차 신경망보다 더 매끄러웠습니다"
            "({plain:.2f} 대 {residual:.2f}).",
        ("shattered.deep_residual_smoother", "not_shown"):
            "이번 실행에서는 깊이 {depth}에서 잔차 신경망의 기울기가 플레인 신경망보다 뚜렷하게 매끄럽지 "
            "않았습니다({residual:.2f} 대 {plain:.2f}: 차이 0.2 미만).",
        ("shattered.deep_plain_white_noise", "shown"):
            "깊이 {depth}에서 플레인 신경망의 기울기는 백색 잡음입니다(자기상관 {plain:.2f}, 0에서 0.2 안).",
        ("shattered.deep_plain_white_noise", "not_shown"):
            "깊이 {depth}에서 플레인 신경망의 기울기는 백색 잡음이 아닙니다(자기상관 {plain:.2f}, 0에서 0.2 "
            "이상 떨어짐).",
        ("shattered.shallow_smooth", "shown"):
            "깊이 {depth}에서는 둘 다 매끄럽습니다(플레인 {plain:.2f}, 잔차 {residual:.2f}; 매끄러움 = 0.8 이상).",
        ("shattered.shallow_smooth", "not_shown"):
            "깊이 {depth}에서 둘 다 매끄럽지는 않습니다(플레인 {plain:.2f}, 잔차 {residual:.2f}; 매끄러움 = 0.8 "
            "이상).",
        ("shattered.effect_of_depth", "single_run"):
            "따라서 이번 실행에서 플레인 신경망의 기울기는 깊이 {shallow}에서는 매끄러웠고({shallow_plain:.2f}) "
            "깊이 {deep}에서는 그렇지 않았습니다({deep_plain:.2f}). 기울기가 산산조각 나는 것은 깊이와 함께 "
            "나타났습니다.",
        ("shattered.effect_of_depth", "not_shown"):
            "이번 실행에서는 플레인 신경망의 기울기가 깊이 {shallow}에서 매끄럽고 깊이 {deep}에서 산산조각 나는 "
            "모습이 나타나지 않았습니다({shallow_plain:.2f}, {deep_plain:.2f}). 깊이와 함께 나타난다고 할 수 "
            "없습니다.",
    },
}
