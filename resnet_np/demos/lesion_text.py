"""The words of demo `lesion` (resnet_np/demos/lesion.py): its figure's TEXT and the TEMPLATES of its findings
(resnet_np/demos/render.py), per language (resnet_np/language.py)."""

TEXT = {
    "en": {
        "settings": "digits at {size}x{size}, {images} training images, widths {widths}, {epochs} epochs, "
                    "seed {seed}",
        "deleted": "{model}, one block deleted", "intact": "{model} intact ({error:.1f}%)",
        "chance": "chance level (guessing)", "downsampling": "downsampling block\n(replaced by option-A shortcut)",
        "xlabel": "deleted block (stage.index; from the input to the output)", "ylabel": "test error (%)",
        "title": "Deleting one block at test time, depth {depth} (Veit et al. 2016)",
    },
    "ko": {
        "settings": "{size}x{size} 손글씨 숫자, 훈련 이미지 {images}장, 폭 {widths}, {epochs}에포크, 시드 {seed}",
        "deleted": "{model}, 블록 하나 제거", "intact": "{model} 제거 전 ({error:.1f}%)",
        "chance": "무작위로 찍는 수준", "downsampling": "다운샘플링 블록\n(옵션 A 지름길로 대체)",
        "xlabel": "제거한 블록 (스테이지.번호, 입력 쪽에서 출력 쪽으로)", "ylabel": "테스트 오차 (%)",
        "title": "시험 때 블록 하나 제거, 깊이 {depth} (Veit et al. 2016)",
    },
}


TEMPLATES = {  # (finding key, verdict) -> sentence; the findings are lesion.findings()
    "en": {
        ("lesion.setup", "measured"):
            "Deleting one block at a time from two trained {depth}-layer nets (digits at {size}x{size}, {images} "
            "training images, widths {widths}, {epochs} epochs, seed {seed}); test error with nothing retrained "
            "(chance level {chance:.0f}%):",
        ("lesion.row", "measured"):
            "  {model:<9} intact {intact:5.1f}%; one block deleted: median {median:5.1f}% ({increase:+.1f} "
            "points), worst {worst:5.1f}% ({worst_block}), over the {count} blocks that keep the shape",
        ("lesion.resnet_more_robust", "single_run"):
            "In this run deleting a typical block costs the ResNet {resnet:.1f} points of test error and the plain "
            "net {plain:.1f} points. Veit et al. 2016 explain the effect they measured: through its shortcuts a "
            "ResNet holds many paths of different lengths and acts like an ensemble of them; deleting a block "
            "removes only the paths through it. A plain net has one path: break any link and every later layer "
            "gets inputs it never saw.",
        ("lesion.resnet_more_robust", "reversed"):
            "In this run the ResNet was LESS robust: deleting a typical block costs it {resnet:.1f} points of test "
            "error, the plain net {plain:.1f} points.",
        ("lesion.resnet_more_robust", "not_shown"):
            "In this run the ResNet was not clearly more robust ({resnet:.1f} vs {plain:.1f} points for a typical "
            "block: less than 5 points apart).",
        ("lesion.plain_to_chance", "single_run"):
            "With a typical block deleted the plain net falls to chance level in this run ({error:.1f}% test "
            "error, chance {chance:.0f}%).",
        ("lesion.plain_to_chance", "not_shown"):
            "With a typical block deleted the plain net stays below chance level in this run ({error:.1f}% test "
            "error, chance {chance:.0f}%).",
        ("lesion.early_blocks_hurt_more", "single_run"):
            "In the ResNet, deleting an early block hurts more in this run (first half of the blocks: "
            "{early:+.1f} points on average, last half {late:+.1f}): the inputs of all later blocks change.",
        ("lesion.early_blocks_hurt_more", "not_shown"):
            "In the ResNet, deleting an early block did not hurt clearly more than a late one in this run (first "
            "half of the blocks: {early:+.1f} points on average, last half {late:+.1f}).",
        ("lesion.downsampling", "measured"):
            "Downsampling blocks (stride 2, twice the channels), deleted by keeping only the parameter-free "
            "option-A shortcut (every second pixel, zero channels appended): ResNet {resnet}; plain {plain}.",
        ("lesion.downsampling_hurt_more", "single_run"):
            "In this run every one of them hurts the ResNet more than a typical block (median {typical:.1f}%) by 5 "
            "points or more: half of the new channels are zero without the block's residual branch (Veit et al. "
            "also found downsampling blocks the exception).",
        ("lesion.downsampling_hurt_more", "not_shown"):
            "In this run they did not all hurt the ResNet more than a typical block (median {typical:.1f}%) by 5 "
            "points or more.",
    },
    "ko": {
        ("lesion.setup", "measured"):
            "훈련된 {depth}층 신경망 두 개에서 블록을 하나씩 제거하고 아무것도 다시 훈련하지 않은 채 잰 테스트 "
            "오차 ({size}x{size} 손글씨 숫자, 훈련 이미지 {images}장, 폭 {widths}, {epochs}에포크, 시드 {seed}, "
            "무작위로 찍는 수준 {chance:.0f}%):",
        ("lesion.row", "measured"):
            "  {model:<9} 제거 전 {intact:5.1f}%; 블록 하나 제거: 중앙값 {median:5.1f}% ({increase:+.1f}%p), 최악 "
            "{worst:5.1f}% ({worst_block}), 모양이 유지되는 블록 {count}개 기준",
        ("lesion.resnet_more_robust", "single_run"):
            "이번 실행에서 보통의 블록 하나를 빼면 테스트 오차가 ResNet은 {resnet:.1f}%p, 플레인 신경망은 "
            "{plain:.1f}%p 오릅니다. Veit et al. 2016은 자신들이 잰 이 효과를 이렇게 설명합니다. ResNet은 지름길 "
            "덕분에 길이가 다른 여러 경로를 품고 있어서 그 경로들의 앙상블처럼 동작하고, 블록 하나를 빼면 그 "
            "블록을 지나는 경로만 사라집니다. 플레인 신경망은 경로가 하나뿐이어서, 어느 고리 하나만 끊어도 그 "
            "뒤의 모든 층이 한 번도 본 적 없는 입력을 받습니다.",
        ("lesion.resnet_more_robust", "reversed"):
            "이번 실행에서는 ResNet이 오히려 덜 튼튼했습니다. 보통의 블록 하나를 빼면 테스트 오차가 ResNet은 "
            "{resnet:.1f}%p, 플레인 신경망은 {plain:.1f}%p 오릅니다.",
        ("lesion.resnet_more_robust", "not_shown"):
            "이번 실행에서는 ResNet이 뚜렷하게 더 튼튼하지 않았습니다(보통의 블록 하나에 {resnet:.1f}%p 대 "
            "{plain:.1f}%p: 차이가 5%p 미만).",
        ("lesion.plain_to_chance", "single_run"):
            "이번 실행에서 보통의 블록 하나를 빼면 플레인 신경망은 무작위로 찍는 수준까지 무너집니다(테스트 오차 "
            "{error:.1f}%, 무작위 수준 {chance:.0f}%).",
        ("lesion.plain_to_chance", "not_shown"):
            "이번 실행에서 보통의 블록 하나를 빼도 플레인 신경망은 무작위로 찍는 수준보다 낫습니다(테스트 오차 "
            "{error:.1f}%, 무작위 수준 {chance:.0f}%).",
        ("lesion.early_blocks_hurt_more", "single_run"):
            "이번 실행의 ResNet에서는 앞쪽 블록을 뺄 때 더 크게 나빠집니다(앞쪽 절반의 블록은 평균 {early:+.1f}%p, "
            "뒤쪽 절반은 {late:+.1f}%p). 뒤에 오는 모든 블록의 입력이 바뀌기 때문입니다.",
        ("lesion.early_blocks_hurt_more", "not_shown"):
            "이번 실행의 ResNet에서는 앞쪽 블록을 뺄 때 뒤쪽 블록보다 뚜렷하게 더 나빠지지 않았습니다(앞쪽 절반의 "
            "블록은 평균 {early:+.1f}%p, 뒤쪽 절반은 {late:+.1f}%p).",
        ("lesion.downsampling", "measured"):
            "다운샘플링 블록(스트라이드 2, 채널 두 배)은 매개변수가 없는 옵션 A 지름길(두 칸마다 한 픽셀을 취하고 "
            "0인 채널을 덧붙임)만 남겨서 제거했습니다. ResNet {resnet}; 플레인 {plain}.",
        ("lesion.downsampling_hurt_more", "single_run"):
            "이번 실행에서 이 블록들은 모두 보통의 블록(중앙값 {typical:.1f}%)보다 ResNet을 5%p 이상 더 크게 "
            "해칩니다. 블록의 잔차 경로가 없으면 새 채널의 절반이 0이기 때문입니다(Veit et al.도 다운샘플링 "
            "블록을 예외로 보고했습니다).",
        ("lesion.downsampling_hurt_more", "not_shown"):
            "이번 실행에서 이 블록들이 모두 보통의 블록(중앙값 {typical:.1f}%)보다 ResNet을 5%p 이상 더 크게 "
            "해치지는 않았습니다.",
    },
}
