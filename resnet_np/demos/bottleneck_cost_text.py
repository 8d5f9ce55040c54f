"""The words of demo `bottleneck-cost` (resnet_np/demos/bottleneck_cost.py): the TEMPLATES of its findings
(resnet_np/demos/render.py), per language. (Its figure's TEXT is in the demo's module.) The Korean labels are
padded by hand: a Hangul letter is two columns wide in a terminal.
"""

_ROW = "{madds:>13,} multiply-adds, {params:>9,} parameters"
_ROW_KO = "곱셈-덧셈 {madds:>13,}번, 매개변수 {params:>9,}개"
TEMPLATES = {  # (finding key, verdict) -> sentence; the findings are bottleneck_cost.findings()
    "en": {
        ("bottleneck.reduction_header", "measured"): "1x1 reduction (28x28x192 input, 32 output channels of 5x5):",
        ("bottleneck.row_direct", "measured"): "  directly:            " + _ROW,
        ("bottleneck.row_reduced", "measured"): "  1x1 to 16 first:     " + _ROW,
        ("bottleneck.reduction_cheaper", "shown"):
            "  the 1x1 reduction does the job with {saving:.1f}x fewer multiply-adds.",
        ("bottleneck.reduction_cheaper", "not_shown"):
            "  the 1x1 reduction does NOT save multiply-adds here ({saving:.2f}x as few).",
        ("bottleneck.blocks_header", "measured"): "Residual blocks at 56x56 (paper's Figure 5):",
        ("bottleneck.row_basic64", "measured"): "  basic block, 64-d:   " + _ROW,
        ("bottleneck.row_bottleneck256", "measured"): "  bottleneck, 256-d:   " + _ROW,
        ("bottleneck.row_basic256", "measured"): "  basic block, 256-d:  " + _ROW,
        ("bottleneck.cheaper_than_wide_basic", "shown"):
            "  the bottleneck block handles a 4x wider signal for {relative:.2f}x the cost of the 64-d basic block, "
            "and is {cheaper:.0f}x cheaper than a basic block of its own width: that is why ResNet-50/101/152 use "
            "it.",
        ("bottleneck.cheaper_than_wide_basic", "not_shown"):
            "  the bottleneck block costs {relative:.2f}x the 64-d basic block and is NOT cheaper than a basic "
            "block of its own width ({cheaper:.2f}x).",
    },
    "ko": {
        ("bottleneck.reduction_header", "measured"): "1x1 축소 (입력 28x28x192, 5x5 합성곱의 출력 채널 32개):",
        ("bottleneck.row_direct", "measured"): "  바로 5x5 합성곱:     " + _ROW_KO,
        ("bottleneck.row_reduced", "measured"): "  1x1로 16채널 먼저:   " + _ROW_KO,
        ("bottleneck.reduction_cheaper", "shown"):
            "  1x1로 먼저 줄이면 같은 일을 곱셈-덧셈 {saving:.1f}분의 1로 해냅니다.",
        ("bottleneck.reduction_cheaper", "not_shown"):
            "  여기서는 1x1로 먼저 줄여도 곱셈-덧셈이 줄지 않습니다({saving:.2f}분의 1).",
        ("bottleneck.blocks_header", "measured"): "56x56에서의 잔차 블록 (논문 Figure 5):",
        ("bottleneck.row_basic64", "measured"): "  기본 블록, 64채널:   " + _ROW_KO,
        ("bottleneck.row_bottleneck256", "measured"): "  병목 블록, 256채널:  " + _ROW_KO,
        ("bottleneck.row_basic256", "measured"): "  기본 블록, 256채널:  " + _ROW_KO,
        ("bottleneck.cheaper_than_wide_basic", "shown"):
            "  병목 블록은 4배 넓은 신호를 다루면서도 비용은 64채널 기본 블록의 {relative:.2f}배이고, 같은 폭의 "
            "기본 블록보다 {cheaper:.0f}배 쌉니다. 그래서 ResNet-50/101/152가 병목 블록을 씁니다.",
        ("bottleneck.cheaper_than_wide_basic", "not_shown"):
            "  병목 블록의 비용은 64채널 기본 블록의 {relative:.2f}배이며, 같은 폭의 기본 블록보다 싸지 "
            "않습니다({cheaper:.2f}배).",
    },
}
