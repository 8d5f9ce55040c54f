"""The words of demo `layer-responses` (resnet_np/demos/layer_responses.py): the TEMPLATES of its findings
(resnet_np/demos/render.py), per language. (Its figure's TEXT is in the demo's module.)
"""

TEMPLATES = {  # (finding key, verdict) -> sentence; the findings are layer_responses.findings()
    "en": {
        ("layer_responses.setup", "measured"):
            "Standard deviation of each block's residual F(x) (its last BatchNorm output, before the addition) on "
            "the test images, {depth}-layer nets (digits at {size}x{size}, {images} training images, widths "
            "{widths}, {epochs} epochs, seed {seed}):",
        ("layer_responses.row", "measured"):
            "  {model:<9} at initialisation median {init:.2f}; after training median {median:.2f}, range "
            "{low:.2f} .. {high:.2f} (test error {error:.1f}%)",
        ("layer_responses.init_about_one", "shown"):
            "At initialisation every response has a std of about 1 in both nets (between {low:.2f} and "
            "{high:.2f}; medians {plain:.2f}, {resnet:.2f}): BatchNorm normalises and its scale gamma starts at 1.",
        ("layer_responses.init_about_one", "not_shown"):
            "At initialisation the responses' stds range from {low:.2f} to {high:.2f} (medians {plain:.2f}, "
            "{resnet:.2f}): not all within 0.8 .. 1.25 of the 1 that BatchNorm with gamma = 1 aims at.",
        ("layer_responses.resnet_smaller", "single_run"):
            "After training the ResNet's responses are smaller than the plain net's in this run: median "
            "{resnet:.2f} vs {plain:.2f}, smaller in {smaller} of {blocks} blocks. The paper's Figure 7 reports "
            "this direction; one run cannot confirm it.",
        ("layer_responses.resnet_smaller", "reversed"):
            "After training the ResNet's responses are LARGER than the plain net's in this run (median "
            "{resnet:.2f} vs {plain:.2f}; smaller in only {smaller} of {blocks} blocks), the opposite of the "
            "paper's Figure 7.",
        ("layer_responses.resnet_smaller", "not_shown"):
            "After training the ResNet's responses are not clearly smaller than the plain net's in this run "
            "(median {resnet:.2f} vs {plain:.2f}, smaller in {smaller} of {blocks} blocks; clearly smaller needs a "
            "median at least 10% smaller and more than half of the blocks): the paper's Figure 7 did not show at "
            "this size.",
        ("layer_responses.training_shrank", "single_run"):
            "Training shrank the ResNet's residuals to {change:.0%} of their size at initialisation (median "
            "{init:.2f} -> {median:.2f}).",
        ("layer_responses.training_shrank", "not_shown"):
            "Training did NOT shrink the ResNet's residuals by 10% or more: their median is {change:.0%} of the "
            "size at initialisation ({init:.2f} -> {median:.2f}).",
        ("layer_responses.none_near_zero", "shown"):
            "None went near zero: the smallest is {smallest:.2f}, above {near_zero:g}.",
        ("layer_responses.none_near_zero", "not_shown"):
            "At least one block's residual went near zero: the smallest is {smallest:.2f}, at most {near_zero:g}.",
        ("layer_responses.relative_same_order", "shown"):
            "Relative to the signal the shortcut carries, the ResNet's residual is std(F(x)) / std(x) = "
            "{relative:.2f} (median over blocks; {relative_init:.2f} at initialisation): within one order of "
            "magnitude of x, not a vanishing correction.",
        ("layer_responses.relative_same_order", "not_shown"):
            "Relative to the signal the shortcut carries, the ResNet's residual is std(F(x)) / std(x) = "
            "{relative:.2f} (median over blocks; {relative_init:.2f} at initialisation): more than ten times "
            "smaller than x.",
        ("layer_responses.not_vanishing", "shown"):
            "So 'F(x) -> 0 as training proceeds' overstates the paper: it reports that the residual functions' "
            "responses are generally SMALLER than a plain net's (and smaller in deeper ResNets), which supports "
            "the identity as a good reference (preconditioning) - not that they vanish. Here none did (smallest "
            "{smallest:.2f}, relative size {relative:.2f}); a block with F(x) = 0 would do nothing at all.",
        ("layer_responses.not_vanishing", "not_shown"):
            "In this run some residuals did come near zero (smallest {smallest:.2f}, relative size "
            "{relative:.2f}): the paper reports responses SMALLER than a plain net's, not vanishing ones, and "
            "this run does not settle the difference.",
    },
    "ko": {
        ("layer_responses.setup", "measured"):
            "테스트 이미지에서 잰 블록별 잔차 F(x)(덧셈 직전, 블록의 마지막 BN 출력)의 표준편차, {depth}층 "
            "신경망({size}x{size} 손글씨 숫자, 훈련 이미지 {images}장, 폭 {widths}, {epochs}에포크, 시드 {seed}):",
        ("layer_responses.row", "measured"):
            "  {model:<9} 초기화 직후 중앙값 {init:.2f}; 훈련 후 중앙값 {median:.2f}, 범위 {low:.2f} .. "
            "{high:.2f} (테스트 오차 {error:.1f}%)",
        ("layer_responses.init_about_one", "shown"):
            "초기화 직후에는 두 신경망 모두 모든 응답의 표준편차가 약 1입니다({low:.2f}에서 {high:.2f} 사이, "
            "중앙값 {plain:.2f}, {resnet:.2f}). 배치 정규화가 정규화하고, 그 스케일 γ가 1에서 시작하기 때문입니다.",
        ("layer_responses.init_about_one", "not_shown"):
            "초기화 직후 응답의 표준편차는 {low:.2f}에서 {high:.2f}까지입니다(중앙값 {plain:.2f}, {resnet:.2f}). "
            "γ = 1인 배치 정규화가 겨냥하는 1에서 모두 0.8 .. 1.25 안에 있지는 않습니다.",
        ("layer_responses.resnet_smaller", "single_run"):
            "이번 실행에서 훈련 후 ResNet의 응답은 플레인 신경망보다 작습니다. 중앙값은 {resnet:.2f} 대 "
            "{plain:.2f}이고, 블록 {blocks}개 중 {smaller}개에서 더 작습니다. 논문의 Figure 7도 이 방향을 "
            "보고하지만, 실행 한 번으로는 확인할 수 없습니다.",
        ("layer_responses.resnet_smaller", "reversed"):
            "이번 실행에서 훈련 후 ResNet의 응답은 플레인 신경망보다 오히려 큽니다(중앙값 {resnet:.2f} 대 "
            "{plain:.2f}; 블록 {blocks}개 중 {smaller}개에서만 더 작음). 논문의 Figure 7과 반대입니다.",
        ("layer_responses.resnet_smaller", "not_shown"):
            "이번 실행에서 훈련 후 ResNet의 응답은 플레인 신경망보다 뚜렷하게 작지 않습니다(중앙값 {resnet:.2f} "
            "대 {plain:.2f}, 블록 {blocks}개 중 {smaller}개에서 더 작음. 뚜렷하게 작다고 하려면 중앙값이 10% 이상 "
            "작고 절반이 넘는 블록에서 작아야 합니다). 이 크기에서는 논문 Figure 7의 결과가 나타나지 않았습니다.",
        ("layer_responses.training_shrank", "single_run"):
            "훈련은 ResNet의 잔차를 초기화 직후 크기의 {change:.0%}로 줄였습니다(중앙값 {init:.2f} -> "
            "{median:.2f}).",
        ("layer_responses.training_shrank", "not_shown"):
            "훈련해도 ResNet의 잔차는 10% 넘게 줄어들지 않았습니다. 중앙값이 초기화 직후 크기의 {change:.0%}"
            "입니다({init:.2f} -> {median:.2f}).",
        ("layer_responses.none_near_zero", "shown"):
            "0 가까이 간 것은 하나도 없습니다. 가장 작은 것도 {smallest:.2f}이며, {near_zero:g}보다 큽니다.",
        ("layer_responses.none_near_zero", "not_shown"):
            "적어도 한 블록의 잔차는 0 가까이 갔습니다. 가장 작은 것이 {smallest:.2f}이며, {near_zero:g} 이하입니다.",
        ("layer_responses.relative_same_order", "shown"):
            "지름길이 나르는 신호에 비하면 ResNet의 잔차는 std(F(x)) / std(x) = {relative:.2f}입니다(블록들의 "
            "중앙값; 초기화 직후 {relative_init:.2f}). x와 한 자릿수 안에 있는 보정이며, 사라져 가는 보정이 "
            "아닙니다.",
        ("layer_responses.relative_same_order", "not_shown"):
            "지름길이 나르는 신호에 비하면 ResNet의 잔차는 std(F(x)) / std(x) = {relative:.2f}입니다(블록들의 "
            "중앙값; 초기화 직후 {relative_init:.2f}). x보다 10배 넘게 작습니다.",
        ("layer_responses.not_vanishing", "shown"):
            "따라서 '훈련될수록 F(x) -> 0'은 논문을 과장한 말입니다. 논문이 보고한 것은 잔차 함수의 응답이 플레인 "
            "신경망보다 대체로 더 작다는 것(그리고 더 깊은 ResNet일수록 더 작다는 것)이고, 이는 항등 사상이 좋은 "
            "기준점이라는 생각(사전 조건화, preconditioning)을 뒷받침합니다. 응답이 사라진다는 뜻이 아닙니다. "
            "여기서도 사라진 것은 없습니다(가장 작은 것 {smallest:.2f}, 상대 크기 {relative:.2f}). F(x) = 0인 "
            "블록은 아무 일도 하지 않습니다.",
        ("layer_responses.not_vanishing", "not_shown"):
            "이번 실행에서는 일부 잔차가 0 가까이 갔습니다(가장 작은 것 {smallest:.2f}, 상대 크기 "
            "{relative:.2f}). 논문이 보고한 것은 플레인 신경망보다 작은 응답이지 사라지는 응답이 아니며, 이번 "
            "실행으로는 그 차이를 가릴 수 없습니다.",
    },
}
