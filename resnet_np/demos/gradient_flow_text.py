"""The words of demo `gradient-flow` (resnet_np/demos/gradient_flow.py): its figures' TEXT and the TEMPLATES of its
findings (resnet_np/demos/render.py), per language.
"""

TEXT = {  # the figures' words, per language
    "en": {
        "with_bn": "with BatchNorm (train mode)", "without_bn": "WITHOUT BatchNorm",
        "block_label": "{model}: ratio {ratio:.3g}",
        "block_xlabel": "block index (1 = next to the input -> last = next to the output)",
        "block_ylabel": "||dL/d(block output)|| / same at last block\n(log scale, no unit)",
        "block_title": "Gradient size at every block at initialisation, {bn}",
        "block_legend": "model: first/last ratio",
        "residual": "residual (ResNet)", "plain": "plain (no shortcuts)", "one": "ratio 1 (same size everywhere)",
        "ratio_xlabel": "depth (weighted layers)",
        "ratio_ylabel": "gradient norm, first block / last block\n(log scale)",
        "ratio_title": "First-to-last gradient ratio against depth, {bn}",
        "conv_xlabel": "conv layer index (1 = first conv, next to the input)",
        "conv_ylabel": "||dL/dW|| of the conv's weights\n(log scale)",
        "conv_title": "Weight-gradient norm of every conv layer, {bn}",
    },
    "ko": {
        "with_bn": "배치 정규화 있음 (훈련 모드)", "without_bn": "배치 정규화 없음",
        "block_label": "{model}: 비율 {ratio:.3g}",
        "block_xlabel": "블록 번호 (1 = 입력 쪽, 마지막 = 출력 쪽)",
        "block_ylabel": "||dL/d(블록 출력)|| (마지막 블록 = 1)\n(로그 눈금, 단위 없음)",
        "block_title": "초기화 직후 블록별 기울기 크기, {bn}",
        "block_legend": "모델: 첫/마지막 블록 비율",
        "residual": "잔차 신경망 (ResNet)", "plain": "플레인 신경망 (지름길 없음)",
        "one": "비율 1 (모든 블록에서 같은 크기)",
        "ratio_xlabel": "깊이 (가중치 층 수)",
        "ratio_ylabel": "기울기 크기, 첫 블록 / 마지막 블록\n(로그 눈금)",
        "ratio_title": "깊이에 따른 첫/마지막 블록 기울기 비율, {bn}",
        "conv_xlabel": "합성곱 층 번호 (1 = 입력 쪽 첫 합성곱)",
        "conv_ylabel": "합성곱 가중치의 ||dL/dW||\n(로그 눈금)",
        "conv_title": "합성곱 층별 가중치 기울기 크기, {bn}",
    },
}


TEMPLATES = {  # (finding key, verdict) -> sentence; the findings are gradient_flow.findings()
    "en": {
        ("gradient_flow.header_bn", "measured"):
            "Gradient flow at initialisation (with BatchNorm): ||dL/d(output of first block)|| / ||dL/d(output of "
            "last block)||",
        ("gradient_flow.header_no_bn", "measured"):
            "Gradient flow at initialisation (WITHOUT BatchNorm): ||dL/d(output of first block)|| / ||dL/d(output "
            "of last block)||",
        ("gradient_flow.explodes", "shown"):
            "  {model:>9}: {ratio:10.3g}  - the gradient EXPLODES toward the input ({orders:.1f} orders of "
            "magnitude)",
        ("gradient_flow.explodes", "not_shown"):
            "  {model:>9}: {ratio:10.3g}  - grows toward the input by less than 100x ({orders:.1f} orders of "
            "magnitude)",
        ("gradient_flow.vanishes", "shown"):
            "  {model:>9}: {ratio:10.3g}  - the gradient VANISHES toward the input ({orders:.1f} orders of "
            "magnitude)",
        ("gradient_flow.vanishes", "not_shown"):
            "  {model:>9}: {ratio:10.3g}  - shrinks toward the input by less than 100x ({orders:.1f} orders of "
            "magnitude)",
        ("gradient_flow.plain_further_from_one", "single_run"):
            "At depth {depth} the plain net's ratio ({plain:.3g}) is {gap:.1f} orders of magnitude further from 1 "
            "than the residual net's ({residual:.3g}) in this run.",
        ("gradient_flow.plain_further_from_one", "reversed"):
            "At depth {depth} the RESIDUAL net's ratio ({residual:.3g}) is {gap:.1f} orders of magnitude further "
            "from 1 than the plain net's ({plain:.3g}) in this run.",
        ("gradient_flow.plain_further_from_one", "not_shown"):
            "At depth {depth} plain and residual ratios ({plain:.3g}, {residual:.3g}) are within one order of "
            "magnitude of each other's distance from 1 in this run.",
        ("gradient_flow.residual_within_one_order", "shown"):
            "The residual net's gradient at its first block is within a factor 10 of its size at the last block "
            "({model}: {ratio:.3g}).",
        ("gradient_flow.residual_within_one_order", "not_shown"):
            "The residual net's gradient also changes by more than a factor 10 from the last block to the first "
            "({model}: {ratio:.3g}): the shortcuts do not keep it the same size at every block.",
        ("gradient_flow.bn_plain_grows", "shown"):
            "So with BatchNorm the deep plain net does NOT suffer from vanishing gradients here: they grow toward "
            "the input ({model}: {ratio:.3g}). The paper (section 4.1) writes that BN keeps the signals of its "
            "plain nets healthy, and calls the degradation of deep plain nets an optimisation difficulty.",
        ("gradient_flow.bn_plain_grows", "not_shown"):
            "With BatchNorm the deep plain net's gradient did not grow by more than a factor 10 toward the input "
            "here ({model}: {ratio:.3g}).",
        ("gradient_flow.no_bn_plain_vanishes", "shown"):
            "Without BatchNorm the deep plain net's gradient shrinks toward the input to {ratio:.2g} of its size "
            "at the end ({model}): the textbook 'vanishing gradient'.",
        ("gradient_flow.no_bn_plain_vanishes", "not_shown"):
            "Without BatchNorm the deep plain net's gradient did not shrink by a factor 100 toward the input here "
            "({model}: {ratio:.2g}).",
        ("gradient_flow.no_bn_residual_explodes", "shown"):
            "Without BatchNorm the residual net's gradient explodes ({model}: {ratio:.3g}): nothing rescales the "
            "residual sum x + F(x), whose variance roughly doubles at every block (demo bn-variance). This is why "
            "ResNets pair shortcuts with BatchNorm (or a careful initialisation).",
        ("gradient_flow.no_bn_residual_explodes", "not_shown"):
            "Without BatchNorm the residual net's gradient did not grow by a factor 100 toward the input here "
            "({model}: {ratio:.3g}).",
        ("gradient_flow.weight_header", "measured"):
            "weight_gradients.png shows ||dL/dW|| of every conv layer. dL/dW = sum over all positions of (the "
            "conv's input) x (the gradient at its output), so it follows the block gradients above only where the "
            "activations keep one size. First conv / last conv at depth {depth}: plain {plain:.3g}, residual "
            "{residual:.3g}.",
        ("gradient_flow.bn_plain_weights_grow", "shown"):
            "With BatchNorm the plain net's weight gradients grow toward the input like its block gradients "
            "({model}: {ratio:.3g}): its first layers would get the largest updates.",
        ("gradient_flow.bn_plain_weights_grow", "not_shown"):
            "With BatchNorm the plain net's weight gradients did not grow by more than a factor 10 toward the "
            "input ({model}: {ratio:.3g}).",
        ("gradient_flow.bn_residual_weights_within_one_order", "shown"):
            "The ResNet's weight gradients stay within a factor 10 from the first conv to the last ({model}: "
            "{ratio:.3g}).",
        ("gradient_flow.bn_residual_weights_within_one_order", "not_shown"):
            "The ResNet's weight gradients change by more than a factor 10 from the first conv to the last too "
            "({model}: {ratio:.3g}).",
        ("gradient_flow.no_bn_weights_flatter", "shown"):
            "Without BatchNorm the weight gradients change less from the first conv to the last (within "
            "{spread:.1f} orders of magnitude) than the block gradients do (up to {blocks:.1f}), by at least one "
            "order of magnitude: no contradiction. "
            "dL/dW multiplies a conv's input by the gradient at its output, and without BN the two change in "
            "opposite directions along the depth: in the ResNet the activations grow toward the OUTPUT as the "
            "gradients grow toward the INPUT; in the plain net the activations shrink toward the output as the "
            "gradients shrink toward the input. The product changes less from layer to layer.",
        ("gradient_flow.no_bn_weights_flatter", "not_shown"):
            "Without BatchNorm the weight gradients change about as much from the first conv to the last (up to "
            "{spread:.1f} orders of magnitude) as the block gradients do (up to {blocks:.1f}).",
        ("gradient_flow.no_bn_update_levels", "shown"):
            "What differs is the level: median ||dL/dW|| {residual:.3g} in the ResNet vs {plain:.3g} in the plain "
            "net at depth {depth}, {factor:.3g} times as large: with one learning rate the deep ResNet's layers "
            "would take steps {factor:.3g} times those of the plain net's.",
        ("gradient_flow.no_bn_update_levels", "not_shown"):
            "Median ||dL/dW|| {residual:.3g} in the ResNet vs {plain:.3g} in the plain net at depth {depth}: less "
            "than a factor 100 apart ({factor:.3g}).",
    },
    "ko": {
        ("gradient_flow.header_bn", "measured"):
            "초기화 직후의 기울기 흐름 (배치 정규화 있음): ||dL/d(첫 블록 출력)|| / ||dL/d(마지막 블록 출력)||",
        ("gradient_flow.header_no_bn", "measured"):
            "초기화 직후의 기울기 흐름 (배치 정규화를 모두 뺀 경우): ||dL/d(첫 블록 출력)|| / ||dL/d(마지막 블록 "
            "출력)||",
        ("gradient_flow.explodes", "shown"):
            "  {model:>9}: {ratio:10.3g}  - 기울기 폭주: 입력 쪽으로 갈수록 불어남 (자릿수 {orders:.1f}만큼)",
        ("gradient_flow.explodes", "not_shown"):
            "  {model:>9}: {ratio:10.3g}  - 입력 쪽으로 갈수록 커지지만 100배 미만 (자릿수 {orders:.1f}만큼)",
        ("gradient_flow.vanishes", "shown"):
            "  {model:>9}: {ratio:10.3g}  - 기울기 소실: 입력 쪽으로 갈수록 줄어듦 (자릿수 {orders:.1f}만큼)",
        ("gradient_flow.vanishes", "not_shown"):
            "  {model:>9}: {ratio:10.3g}  - 입력 쪽으로 갈수록 작아지지만 100분의 1보다는 큼 (자릿수 "
            "{orders:.1f}만큼)",
        ("gradient_flow.plain_further_from_one", "single_run"):
            "이번 실행에서 깊이 {depth}의 플레인 신경망 비율({plain:.3g})은 잔차 신경망 비율({residual:.3g})보다 "
            "1에서 자릿수 {gap:.1f}만큼 더 멀리 떨어져 있습니다.",
        ("gradient_flow.plain_further_from_one", "reversed"):
            "이번 실행에서 깊이 {depth}의 잔차 신경망 비율({residual:.3g})이 플레인 신경망 비율({plain:.3g})보다 "
            "1에서 자릿수 {gap:.1f}만큼 더 멀리 떨어져 있습니다.",
        ("gradient_flow.plain_further_from_one", "not_shown"):
            "이번 실행에서 깊이 {depth}의 플레인 신경망과 잔차 신경망의 비율({plain:.3g}, {residual:.3g})은 1에서 "
            "떨어진 정도가 서로 한 자릿수 안에 있습니다.",
        ("gradient_flow.residual_within_one_order", "shown"):
            "잔차 신경망의 첫 블록 기울기는 마지막 블록 기울기의 10배 안에 있습니다({model}: {ratio:.3g}).",
        ("gradient_flow.residual_within_one_order", "not_shown"):
            "잔차 신경망의 기울기도 마지막 블록에서 첫 블록까지 10배 넘게 변합니다({model}: {ratio:.3g}). 지름길이 "
            "기울기의 크기를 모든 블록에서 같게 유지하지는 않습니다.",
        ("gradient_flow.bn_plain_grows", "shown"):
            "따라서 여기서 배치 정규화가 있는 깊은 플레인 신경망은 기울기 소실을 겪지 않습니다. 오히려 기울기가 "
            "입력 쪽으로 갈수록 커집니다({model}: {ratio:.3g}). 논문(4.1절)은 배치 정규화가 플레인 신경망의 신호를 "
            "건강하게 지켜 준다고 쓰고, 깊은 플레인 신경망의 퇴화를 최적화의 어려움이라고 봅니다.",
        ("gradient_flow.bn_plain_grows", "not_shown"):
            "여기서 배치 정규화가 있는 깊은 플레인 신경망의 기울기는 입력 쪽으로 10배 넘게 커지지 않았습니다"
            "({model}: {ratio:.3g}).",
        ("gradient_flow.no_bn_plain_vanishes", "shown"):
            "배치 정규화가 없으면 깊은 플레인 신경망의 기울기가 입력 쪽으로 갈수록 작아져 마지막 블록의 "
            "{ratio:.2g}배가 됩니다({model}). 교과서가 말하는 '기울기 소실'입니다.",
        ("gradient_flow.no_bn_plain_vanishes", "not_shown"):
            "여기서 배치 정규화가 없는 깊은 플레인 신경망의 기울기는 입력 쪽으로 100분의 1까지 줄지는 "
            "않았습니다({model}: {ratio:.2g}).",
        ("gradient_flow.no_bn_residual_explodes", "shown"):
            "배치 정규화가 없으면 잔차 신경망의 기울기가 폭주합니다({model}: {ratio:.3g}). 잔차 합 x + F(x)의 "
            "크기를 다시 맞춰 주는 것이 없어서 블록마다 분산이 대략 두 배가 되기 때문입니다(bn-variance 데모). "
            "ResNet이 지름길을 배치 정규화(또는 신중한 초기화)와 함께 쓰는 이유입니다.",
        ("gradient_flow.no_bn_residual_explodes", "not_shown"):
            "여기서 배치 정규화가 없는 잔차 신경망의 기울기는 입력 쪽으로 100배까지 커지지는 않았습니다"
            "({model}: {ratio:.3g}).",
        ("gradient_flow.weight_header", "measured"):
            "합성곱 층마다의 ||dL/dW||는 weight_gradients.ko.png에 있습니다. dL/dW는 모든 위치에 걸쳐 (합성곱의 "
            "입력) x (출력에서의 기울기)를 더한 것이므로, 활성값의 크기가 일정한 곳에서만 위의 블록 기울기를 "
            "따라갑니다. 깊이 {depth}에서 첫 합성곱 / 마지막 합성곱: 플레인 {plain:.3g}, 잔차 {residual:.3g}.",
        ("gradient_flow.bn_plain_weights_grow", "shown"):
            "배치 정규화가 있으면 플레인 신경망의 가중치 기울기도 블록 기울기처럼 입력 쪽으로 갈수록 커집니다"
            "({model}: {ratio:.3g}). 첫 층들이 가장 큰 갱신을 받게 됩니다.",
        ("gradient_flow.bn_plain_weights_grow", "not_shown"):
            "배치 정규화가 있을 때 플레인 신경망의 가중치 기울기는 입력 쪽으로 10배 넘게 커지지 않았습니다"
            "({model}: {ratio:.3g}).",
        ("gradient_flow.bn_residual_weights_within_one_order", "shown"):
            "ResNet의 가중치 기울기는 첫 합성곱에서 마지막 합성곱까지 10배 안에 머뭅니다({model}: {ratio:.3g}).",
        ("gradient_flow.bn_residual_weights_within_one_order", "not_shown"):
            "ResNet의 가중치 기울기도 첫 합성곱에서 마지막 합성곱까지 10배 넘게 변합니다({model}: {ratio:.3g}).",
        ("gradient_flow.no_bn_weights_flatter", "shown"):
            "배치 정규화가 없으면 가중치 기울기는 첫 합성곱에서 마지막 합성곱까지 자릿수 {spread:.1f} 안에서 "
            "변해, 블록 기울기(최대 자릿수 {blocks:.1f})보다 한 자릿수 이상 적게 변합니다. 모순이 아닙니다. "
            "dL/dW는 합성곱의 입력에 출력에서의 기울기를 곱한 것인데, 배치 정규화가 없으면 이 둘이 깊이를 "
            "따라 서로 반대 방향으로 변합니다. ResNet에서는 기울기가 입력 쪽으로 커지는 동안 활성값은 "
            "거꾸로 출력 쪽으로 커지고, 플레인 신경망에서는 기울기가 입력 쪽으로 작아지는 동안 활성값은 "
            "출력 쪽으로 작아집니다. 그래서 둘의 곱은 층에 따라 덜 변합니다.",
        ("gradient_flow.no_bn_weights_flatter", "not_shown"):
            "배치 정규화가 없을 때 가중치 기울기는 첫 합성곱에서 마지막 합성곱까지(최대 자릿수 {spread:.1f}) 블록 "
            "기울기(최대 자릿수 {blocks:.1f})와 비슷하게 변합니다.",
        ("gradient_flow.no_bn_update_levels", "shown"):
            "다른 것은 수준입니다. 깊이 {depth}에서 ||dL/dW||의 중앙값은 ResNet {residual:.3g}, 플레인 신경망 "
            "{plain:.3g}이며, ResNet 쪽이 {factor:.3g}배입니다. 학습률이 하나라면 깊은 ResNet의 층들은 "
            "플레인 신경망의 층보다 {factor:.3g}배 큰 갱신을 받게 됩니다.",
        ("gradient_flow.no_bn_update_levels", "not_shown"):
            "깊이 {depth}에서 ||dL/dW||의 중앙값은 ResNet {residual:.3g}, 플레인 신경망 {plain:.3g}이며, 100배 "
            "넘게 차이 나지는 않습니다({factor:.3g}배).",
    },
}
