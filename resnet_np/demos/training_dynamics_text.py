"""The words of demo `training-dynamics` (resnet_np/demos/training_dynamics.py): its figures' TEXT and the TEMPLATES
of its findings (resnet_np/demos/render.py), per language.
"""

TEXT = {  # the figures' words, per language
    "en": {
        "late": "last {window} recorded steps", "step1": "step 1", "rule": "1e-3 (rule of thumb)",
        "block_xlabel": "block (1 = next to the input)",
        "activation_ylabel": "std of the block output", "activation_title": "activations (forward)",
        "gradient_ylabel": "||dL/d(block output)||\nrelative to the last block",
        "gradient_title": "gradients (backward)",
        "conv_xlabel": "conv layer (1 = first conv)", "ratio_ylabel": "update:data ratio ||lr * dL/dW|| / ||W||",
        "ratio_title": "update:data ratio",
        "profiles_suptitle": "Per-layer statistics at the first step and later, {depth} layers "
                             "(later: geometric mean over the last {window} recorded steps)",
        "shortcuts": "shortcuts", "no_shortcuts": "no shortcuts", "step": "training step",
        "heatmap_ylabel": "conv layer (1 = first conv, next to the input)",
        "colorbar": "update:data ratio ||lr * dL/dW|| / ||W|| (log scale)",
        "heatmap_suptitle": "Update:data ratio of every conv layer at every recorded step (cyan mark: 1e-3)",
        "chance": "chance level (ln 10 = 2.30)", "loss_ylabel": "training loss of the batch\n(cross-entropy)",
        "loss_title": "Training loss over the first {steps} steps",
    },
    "ko": {
        "late": "마지막 기록 {window}단계", "step1": "1단계", "rule": "1e-3 (경험칙)",
        "block_xlabel": "블록 (1 = 입력 쪽)",
        "activation_ylabel": "블록 출력의 표준편차", "activation_title": "활성값 (순전파)",
        "gradient_ylabel": "||dL/d(블록 출력)|| (마지막 블록 = 1)",
        "gradient_title": "기울기 (역전파)",
        "conv_xlabel": "합성곱 층 (1 = 첫 합성곱)", "ratio_ylabel": "갱신 비율 ||lr * dL/dW|| / ||W||",
        "ratio_title": "갱신 비율",
        "profiles_suptitle": "첫 단계와 후반의 층별 통계, {depth}층 "
                             "(후반: 마지막 기록 {window}단계의 기하 평균)",
        "shortcuts": "지름길 있음", "no_shortcuts": "지름길 없음", "step": "훈련 단계",
        "heatmap_ylabel": "합성곱 층 (1 = 입력 쪽 첫 합성곱)",
        "colorbar": "갱신 비율 ||lr * dL/dW|| / ||W|| (로그 눈금)",
        "heatmap_suptitle": "기록한 모든 단계의 합성곱 층별 갱신 비율 (청록색 표시: 1e-3)",
        "chance": "무작위로 찍는 수준 (ln 10 = 2.30)", "loss_ylabel": "배치의 훈련 손실 (교차 엔트로피)",
        "loss_title": "처음 {steps}단계의 훈련 손실",
    },
}


TEMPLATES = {  # (finding key, verdict) -> sentence; the findings are training_dynamics.findings()
    "en": {
        ("training_dynamics.setup", "measured"):
            "{steps} SGD steps (lr {lr:g}, momentum {momentum:g}, batch {batch}) of two {depth}-layer nets on the "
            "digits, statistics every {every} step(s); 'late' = geometric mean over the last {window} recorded "
            "steps. Update:data ratio = ||lr * dL/dW|| / ||W|| of a conv layer:",
        ("training_dynamics.row", "measured"):
            "  {model:<9} loss {first_loss:.2f} -> {last_loss:.2f}; ratio at step 1: first conv {step1_first:.2g}, "
            "last conv {step1_last:.2g}; late: first conv {late_first:.2g}, last conv {late_last:.2g}, max/min "
            "over layers {spread:.3g}; first conv's |W| grew x{growth:.3g}",
        ("training_dynamics.step1_plain_overdrives", "single_run"):
            "Step 1, in this run: with BatchNorm the plain net's gradient grows toward the input (first/last block "
            "{plain_gradient:.3g}, ResNet {resnet_gradient:.3g}), and its first layer takes a step of "
            "{plain:.2g} times its own size (ResNet: {resnet:.2g}), more than 10 times the ResNet's; the rule "
            "of thumb is about 1e-3.",
        ("training_dynamics.step1_plain_overdrives", "not_shown"):
            "Step 1: the plain net's first layer took a step of {plain:.2g} times its own size, the ResNet's "
            "{resnet:.2g}: not 10 times larger in this run (first/last block gradient {plain_gradient:.3g} vs "
            "{resnet_gradient:.3g}).",
        ("training_dynamics.late_spread", "single_run"):
            "Later, the plain net's update:data ratio spans a factor {plain:.3g} from layer to layer, the ResNet's "
            "only {resnet:.3g}: more than 10 times wider in this run.",
        ("training_dynamics.late_spread", "reversed"):
            "Later, the ResNet's update:data ratio spans a factor {resnet:.3g} from layer to layer, the plain "
            "net's only {plain:.3g}: the ResNet's is more than 10 times wider in this run.",
        ("training_dynamics.late_spread", "not_shown"):
            "Later, the spread of the ratio across layers is within a factor 10 between the two nets (plain "
            "{plain:.3g}, ResNet {resnet:.3g}).",
        ("training_dynamics.plain_first_layers_frozen", "single_run"):
            "The plain net's first layer is now nearly FROZEN in this run (late ratio {first:.2g}, under a tenth "
            "of its last conv's {last:.2g}): the large early steps inflated its weights (x{growth:.3g}), "
            "BatchNorm makes the output blind to that scale, and a large |W| shrinks every later relative step - "
            "one learning rate cannot suit all its layers.",
        ("training_dynamics.plain_first_layers_frozen", "not_shown"):
            "The plain net's first layer is not frozen in this run: late ratio {first:.2g} against {last:.2g} at "
            "its last conv (frozen: under a tenth of it, with weights grown x2 or more; they grew x{growth:.3g}).",
        ("training_dynamics.median_in_band", "shown"):
            "{model}: median update:data ratio over all layers and steps {median:.2g}, within 3e-4..3e-3, around "
            "the rule of thumb 1e-3; {above:.0f}% of layer-steps above 1e-2, {below:.0f}% below 1e-5.",
        ("training_dynamics.median_in_band", "not_shown"):
            "{model}: median update:data ratio over all layers and steps {median:.2g}, OUTSIDE 3e-4..3e-3 (the "
            "band around the rule of thumb 1e-3); {above:.0f}% of layer-steps above 1e-2, {below:.0f}% below 1e-5.",
        ("training_dynamics.resnet_lower_loss", "single_run"):
            "The result in this run: after {steps} steps the ResNet's loss is {resnet:.2f}, the plain net's "
            "{plain:.2f} (chance level ln 10 = 2.30).",
        ("training_dynamics.resnet_lower_loss", "not_shown"):
            "After {steps} steps the ResNet's loss ({resnet:.2f}) is not below the plain net's ({plain:.2f}) in "
            "this run (chance level ln 10 = 2.30).",
    },
    "ko": {
        ("training_dynamics.setup", "measured"):
            "손글씨 숫자 데이터로 {depth}층 신경망 두 개를 SGD로 {steps}단계 훈련했습니다(학습률 {lr:g}, 모멘텀 "
            "{momentum:g}, 배치 {batch}). 통계는 {every}단계마다 기록했고, '후반'은 마지막 기록 {window}단계의 "
            "기하 평균입니다. 갱신 비율(update:data ratio)은 합성곱 층의 ||lr * dL/dW|| / ||W||입니다.",
        ("training_dynamics.row", "measured"):
            "  {model:<9} 손실 {first_loss:.2f} -> {last_loss:.2f}; 1단계의 비율: 첫 합성곱 {step1_first:.2g}, "
            "마지막 합성곱 {step1_last:.2g}; 후반: 첫 합성곱 {late_first:.2g}, 마지막 합성곱 {late_last:.2g}, 층 "
            "사이 최대/최소 {spread:.3g}; 첫 합성곱의 |W|가 {growth:.3g}배로 커짐",
        ("training_dynamics.step1_plain_overdrives", "single_run"):
            "이번 실행의 1단계: 배치 정규화가 있으면 플레인 신경망의 기울기는 입력 쪽으로 갈수록 커지고(첫/마지막 "
            "블록 {plain_gradient:.3g}, ResNet {resnet_gradient:.3g}), 첫 층이 한 번에 자기 크기의 {plain:.2g}배만큼 "
            "움직입니다(ResNet: {resnet:.2g}배). ResNet의 10배가 넘으며, 경험칙은 1e-3 정도입니다.",
        ("training_dynamics.step1_plain_overdrives", "not_shown"):
            "1단계: 플레인 신경망의 첫 층은 자기 크기의 {plain:.2g}배, ResNet의 첫 층은 {resnet:.2g}배만큼 "
            "움직였습니다. 이번 실행에서는 10배 넘게 차이 나지 않았습니다(첫/마지막 블록 기울기 "
            "{plain_gradient:.3g} 대 {resnet_gradient:.3g}).",
        ("training_dynamics.late_spread", "single_run"):
            "그 뒤 플레인 신경망의 갱신 비율은 층에 따라 {plain:.3g}배까지 차이가 나고, ResNet은 {resnet:.3g}배에 "
            "그칩니다. 이번 실행에서 10배 넘게 넓습니다.",
        ("training_dynamics.late_spread", "reversed"):
            "그 뒤 ResNet의 갱신 비율은 층에 따라 {resnet:.3g}배까지 차이가 나고, 플레인 신경망은 {plain:.3g}배에 "
            "그칩니다. 이번 실행에서는 ResNet 쪽이 10배 넘게 넓습니다.",
        ("training_dynamics.late_spread", "not_shown"):
            "그 뒤 층 사이 비율의 폭은 두 신경망이 서로 10배 안에 있습니다(플레인 {plain:.3g}배, ResNet "
            "{resnet:.3g}배).",
        ("training_dynamics.plain_first_layers_frozen", "single_run"):
            "이번 실행에서 플레인 신경망의 첫 층은 이제 사실상 얼어붙었습니다(후반 비율 {first:.2g}, 마지막 "
            "합성곱의 {last:.2g}의 10분의 1 미만). 처음의 큰 갱신이 가중치를 {growth:.3g}배로 부풀렸는데, 배치 "
            "정규화 때문에 출력은 그 크기를 보지 못하고, 커진 |W|는 이후의 상대적인 갱신을 모두 작게 만듭니다. "
            "학습률 하나로는 모든 층을 맞출 수 없습니다.",
        ("training_dynamics.plain_first_layers_frozen", "not_shown"):
            "이번 실행에서 플레인 신경망의 첫 층은 얼어붙지 않았습니다. 후반 비율({first:.2g})이 마지막 합성곱의 비율"
            "({last:.2g})의 10분의 1 미만이 아니거나, 가중치가 두 배 넘게 커지지 않았습니다(가중치 "
            "{growth:.3g}배).",
        ("training_dynamics.median_in_band", "shown"):
            "{model}: 모든 층과 단계에 걸친 갱신 비율의 중앙값은 {median:.2g}입니다. 경험칙 1e-3 근처(3e-4..3e-3) "
            "안에 있습니다. (층, 단계) 쌍의 {above:.0f}%가 1e-2보다 크고 {below:.0f}%가 1e-5보다 작습니다.",
        ("training_dynamics.median_in_band", "not_shown"):
            "{model}: 모든 층과 단계에 걸친 갱신 비율의 중앙값은 {median:.2g}입니다. 경험칙 1e-3 근처(3e-4..3e-3)를 "
            "벗어납니다. (층, 단계) 쌍의 {above:.0f}%가 1e-2보다 크고 {below:.0f}%가 1e-5보다 작습니다.",
        ("training_dynamics.resnet_lower_loss", "single_run"):
            "이번 실행의 결과: {steps}단계 뒤 ResNet의 손실은 {resnet:.2f}, 플레인 신경망의 손실은 {plain:.2f}"
            "입니다(무작위로 찍는 수준은 ln 10 = 2.30).",
        ("training_dynamics.resnet_lower_loss", "not_shown"):
            "이번 실행에서는 {steps}단계 뒤 ResNet의 손실({resnet:.2f})이 플레인 신경망의 손실({plain:.2f})보다 "
            "낮지 않습니다(무작위로 찍는 수준은 ln 10 = 2.30).",
    },
}
