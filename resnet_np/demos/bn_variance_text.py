"""The words of demo `bn-variance` (resnet_np/demos/bn_variance.py): the TEMPLATES of its findings
(resnet_np/demos/render.py), per language. (Its figure's TEXT is in the demo's module.)
"""

TEMPLATES = {  # (finding key, verdict) -> sentence; the findings are bn_variance.findings()
    "en": {
        ("bn_variance.header", "measured"):
            "Variance of the activations after {blocks} residual blocks at initialisation (input variance 1; "
            "geometric mean of {networks} random stacks):",
        ("bn_variance.row_no_bn", "measured"):
            "  no BatchNorm:    {final:.3g}  - multiplied by about {factor:.2f} per block (fit of the "
            "log-variance, R^2 = {r2:.3f})",
        ("bn_variance.row_bn", "measured"):
            "  with BatchNorm:  {final:.3g}  - grows by about {step:+.2f} per block (linear fit, R^2 = {r2:.3f})",
        ("bn_variance.row_preact_bn", "measured"):
            "  pre-activation:  {final:.3g}  - grows by about {step:+.2f} per block (linear fit, R^2 = {r2:.3f})",
        ("bn_variance.no_bn_geometric", "shown"):
            "Without BN the growth is geometric (the log-variance is a straight line, R^2 = {r2:.3f}): "
            "{factor:.2f}^{blocks} = {total:.3g}. Adding the input to a branch of about the same variance doubles "
            "it at every block; after 100 blocks it would be {hundred:.1e}.",
        ("bn_variance.no_bn_geometric", "not_shown"):
            "Without BN the growth did NOT look cleanly geometric in this run (x{factor:.2f} per block, R^2 "
            "{r2:.3f} on the log scale against {linear_r2:.3f} on the linear scale).",
        ("bn_variance.bn_linear", "shown"):
            "With BN the branch's output has a fixed variance, so each block adds about a constant (straight lines "
            "on the linear scale, R^2 = {bn_r2:.3f} and {preact_r2:.3f}): after {blocks} blocks the variance is "
            "{bn:.2f} (post-activation) and {preact:.2f} (pre-activation).",
        ("bn_variance.bn_linear", "not_shown"):
            "With BN the growth did NOT look cleanly linear in this run (R^2 = {bn_r2:.3f} and {preact_r2:.3f}, "
            "or a better fit on the log scale); see the CSV.",
        ("bn_variance.bn_far_smaller", "shown"):
            "Without BN the variance ends {times:.3g} times larger ({no_bn:.3g}): more than two orders of "
            "magnitude.",
        ("bn_variance.bn_far_smaller", "not_shown"):
            "Without BN the variance ends only {times:.3g} times larger ({no_bn:.3g}): less than two orders of "
            "magnitude.",
    },
    "ko": {
        ("bn_variance.header", "measured"):
            "초기화 직후 잔차 블록 {blocks}개를 지난 활성값의 분산 (입력의 분산은 1; 무작위 스택 {networks}개의 "
            "기하 평균):",
        ("bn_variance.row_no_bn", "measured"):
            "  BN 없음:        {final:.3g}  - 블록마다 약 {factor:.2f}배 (로그 분산의 직선 맞춤, R^2 = {r2:.3f})",
        ("bn_variance.row_bn", "measured"):
            "  배치 정규화:    {final:.3g}  - 블록마다 약 {step:+.2f}씩 늘어남 (선형 맞춤, R^2 = {r2:.3f})",
        ("bn_variance.row_preact_bn", "measured"):
            "  사전 활성화:    {final:.3g}  - 블록마다 약 {step:+.2f}씩 늘어남 (선형 맞춤, R^2 = {r2:.3f})",
        ("bn_variance.no_bn_geometric", "shown"):
            "BN이 없으면 기하급수적으로 늘어납니다(로그 분산이 직선, R^2 = {r2:.3f}). {factor:.2f}^{blocks} = "
            "{total:.3g}입니다. 분산이 비슷한 잔차 경로의 출력을 입력에 더하므로 블록마다 분산이 두 배가 됩니다. "
            "블록이 100개라면 분산은 {hundred:.1e}에 이릅니다.",
        ("bn_variance.no_bn_geometric", "not_shown"):
            "이번 실행에서는 BN이 없을 때의 증가가 뚜렷한 기하급수로 보이지 않았습니다(블록마다 {factor:.2f}배, "
            "로그 눈금의 R^2 {r2:.3f}, 선형 눈금의 R^2 {linear_r2:.3f}).",
        ("bn_variance.bn_linear", "shown"):
            "BN이 있으면 잔차 경로 출력의 분산이 일정하므로 블록마다 거의 상수만큼 더해집니다(선형 눈금에서 직선, "
            "R^2 = {bn_r2:.3f}, {preact_r2:.3f}). 블록 {blocks}개를 지난 분산은 {bn:.2f}(사후 활성화), "
            "{preact:.2f}(사전 활성화)입니다.",
        ("bn_variance.bn_linear", "not_shown"):
            "이번 실행에서는 BN이 있을 때의 증가가 뚜렷한 직선으로 보이지 않았습니다(R^2 = {bn_r2:.3f}, "
            "{preact_r2:.3f}, 또는 로그 눈금에서 더 잘 맞음). CSV 파일을 보십시오.",
        ("bn_variance.bn_far_smaller", "shown"):
            "BN이 없으면 분산이 {times:.3g}배 크게 끝납니다({no_bn:.3g}). 두 자릿수보다 큰 차이입니다.",
        ("bn_variance.bn_far_smaller", "not_shown"):
            "BN이 없을 때 분산은 {times:.3g}배 크게 끝날 뿐입니다({no_bn:.3g}). 두 자릿수보다 작은 차이입니다.",
    },
}
