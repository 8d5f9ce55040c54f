"""resnet_np.data: loader, augmentation, normalisation, digits, synthetic data (CIFAR-10: test_data_cifar10.py)."""


import numpy as np
import pytest

from resnet_np.data import (
    DataLoader,
    Normalize,
    RandomCropFlip,
    compute_mean_std,
    crop_at,
    horizontal_flip,
    load_dataset,
    load_digits,
    make_synthetic,
    random_horizontal_flip,
    resize_images,
    stratified_split_indices,
)
from resnet_np.errors import UserError

# ----------------------------------------------------------------------------------------------- loader


def _toy(n=10, dtype=np.float32):
    x = np.arange(n * 2 * 3 * 3, dtype=dtype).reshape(n, 2, 3, 3)
    return x, np.arange(n, dtype=np.int64)


def _epoch(loader):
    return [(xb.copy(), yb.copy()) for xb, yb in loader]


def test_loader_shapes_len_and_last_batch():
    x, y = _toy(10)
    loader = DataLoader(x, y, batch_size=4)
    batches = _epoch(loader)
    assert len(loader) == 3 == len(batches)
    assert [len(yb) for _, yb in batches] == [4, 4, 2]
    assert all(xb.shape[1:] == (2, 3, 3) and xb.dtype == np.float32 and yb.dtype == np.int64 for xb, yb in batches)
    np.testing.assert_array_equal(np.concatenate([yb for _, yb in batches]), y)  # no shuffle: in order
    np.testing.assert_array_equal(batches[1][0], x[4:8])

    dropping = DataLoader(x, y, batch_size=4, drop_last=True)
    assert len(dropping) == 2
    assert [len(yb) for _, yb in dropping] == [4, 4]
    assert len(DataLoader(x, y, batch_size=5, drop_last=True)) == 2


def test_loader_visits_every_sample_once_per_epoch_in_new_order():
    x, y = _toy(23)
    loader = DataLoader(x, y, batch_size=5, shuffle=True, seed=3)
    orders = []
    for _ in range(3):
        batches = _epoch(loader)
        seen = np.concatenate([yb for _, yb in batches])
        np.testing.assert_array_equal(np.sort(seen), y)
        for xb, yb in batches:  # inputs stay paired with their labels
            np.testing.assert_array_equal(xb, x[yb])
        orders.append(seen)
    assert not np.array_equal(orders[0], y)
    assert not np.array_equal(orders[0], orders[1]) and not np.array_equal(orders[1], orders[2])
    assert loader.epoch == 3


def test_loader_is_deterministic_for_a_seed_and_leaves_global_rng_alone():
    x, y = _toy(17)
    augment = RandomCropFlip(pad=1, flip=True)
    np.random.seed(1)
    first = DataLoader(x, y, 4, shuffle=True, seed=11, augment=augment)
    runs_a = [_epoch(first) for _ in range(2)]
    np.random.seed(2)
    global_state = np.random.get_state()[1].copy()
    second = DataLoader(x, y, 4, shuffle=True, seed=11, augment=augment)
    runs_b = [_epoch(second) for _ in range(2)]
    np.testing.assert_array_equal(np.random.get_state()[1], global_state)
    for run_a, run_b in zip(runs_a, runs_b, strict=True):
        for (xa, ya), (xb, yb) in zip(run_a, run_b, strict=True):
            np.testing.assert_array_equal(xa, xb)
            np.testing.assert_array_equal(ya, yb)
    other = _epoch(DataLoader(x, y, 4, shuffle=True, seed=12))
    assert not np.array_equal(np.concatenate([b[1] for b in other]), np.concatenate([b[1] for b in runs_a[0]]))


def test_loader_resumes_exactly_from_saved_state():
    x, y = _toy(12)
    loader = DataLoader(x, y, 5, shuffle=True, seed=None, augment=RandomCropFlip(pad=1))
    _epoch(loader)
    state = loader.get_state()
    assert state["epoch"] == 1 and isinstance(state["seed"], int)
    expected = [_epoch(loader) for _ in range(2)]

    resumed = DataLoader(x, y, 5, shuffle=True, seed=0, augment=RandomCropFlip(pad=1))
    resumed.set_state(state)
    for expected_epoch in expected:
        for (xa, ya), (xb, yb) in zip(expected_epoch, _epoch(resumed), strict=True):
            np.testing.assert_array_equal(xa, xb)
            np.testing.assert_array_equal(ya, yb)

    resumed.set_epoch(1)  # set_epoch alone also replays an epoch
    np.testing.assert_array_equal(
        np.concatenate([b[1] for b in _epoch(resumed)]), np.concatenate([b[1] for b in expected[0]])
    )


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (dict(x=np.zeros((4, 1)), y=np.zeros(3), batch_size=2), "x of shape"),
        (dict(x=np.zeros((4, 1)), y=np.zeros(4), batch_size=0), "batch_size"),
        (dict(x=np.zeros((4, 1)), y=np.zeros(4), batch_size=2, seed=-1), "seed"),
    ],
)
def test_loader_rejects_bad_arguments(kwargs, message):
    with pytest.raises(ValueError, match=f"DataLoader.*{message}"):
        DataLoader(**kwargs)


# ------------------------------------------------------------------------------------------ augmentation


def _images(n=6, c=3, size=8, dtype=np.float32, seed=0):
    return np.random.default_rng(seed).standard_normal((n, c, size, size)).astype(dtype)


def test_crop_at_centre_is_identity_and_other_offsets_shift_with_zero_fill():
    x = _images()
    np.testing.assert_array_equal(crop_at(x, 4, 4, 4), x)
    shifted = crop_at(x, 2, top=3, left=1)  # window one row lower, one column further left
    np.testing.assert_array_equal(shifted[:, :, :-1, 1:], x[:, :, 1:, :-1])
    assert np.all(shifted[:, :, -1, :] == 0) and np.all(shifted[:, :, :, 0] == 0)
    corner = crop_at(x, 2, top=np.array([0, 4, 2, 2, 2, 2]), left=2)  # offsets per image
    np.testing.assert_array_equal(corner[0, :, 2:], x[0, :, :-2])
    np.testing.assert_array_equal(corner[1, :, :-2], x[1, :, 2:])
    np.testing.assert_array_equal(corner[2:], x[2:])
    with pytest.raises(ValueError, match="crop_at"):
        crop_at(x, 2, top=5, left=0)


def test_horizontal_flip_mirrors_selected_images_and_twice_is_identity():
    x = _images()
    mask = np.array([True, False, True, False, False, True])
    flipped = horizontal_flip(x, mask)
    np.testing.assert_array_equal(flipped[mask], x[mask][..., ::-1])
    np.testing.assert_array_equal(flipped[~mask], x[~mask])
    np.testing.assert_array_equal(horizontal_flip(flipped, mask), x)
    assert flipped.dtype == x.dtype
    rng = np.random.default_rng(0)
    many = _images(n=400, c=1, size=4)
    changed = np.any(random_horizontal_flip(many, rng) != many, axis=(1, 2, 3))
    assert 120 < changed.sum() < 280  # about half flipped


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_random_crop_flip_changes_images_but_only_by_a_crop_and_flip(dtype):
    x = _images(n=8, dtype=dtype)
    pad = 2
    out = RandomCropFlip(pad=pad, flip=True)(x, np.random.default_rng(5))
    assert out.shape == x.shape and out.dtype == x.dtype
    assert np.any(out != x)
    offsets = range(2 * pad + 1)
    for i in range(len(x)):  # each result is one of the (2 pad + 1)^2 crops of its own image, maybe mirrored
        one = x[i : i + 1]
        candidates = [crop_at(one, pad, t, l) for t in offsets for l in offsets]
        candidates += [c[..., ::-1] for c in candidates]
        assert any(np.array_equal(out[i : i + 1], c) for c in candidates)
    crop_only = RandomCropFlip(pad=pad, flip=False)(x, np.random.default_rng(5))
    assert crop_only.dtype == x.dtype
    np.testing.assert_array_equal(RandomCropFlip(pad=0, flip=False)(x, np.random.default_rng(5)), x)


# ----------------------------------------------------------------------------------- transforms


def test_compute_mean_std_is_per_channel_and_normalize_keeps_dtype():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((20, 3, 4, 4)) * [[[[1.0]], [[2.0]], [[3.0]]]] + [[[[5.0]], [[-1.0]], [[0.0]]]]
    x = x.astype(np.float32)
    mean, std = compute_mean_std(x)
    assert mean.shape == std.shape == (3,)
    for c in range(3):
        np.testing.assert_allclose(mean[c], x[:, c].astype(np.float64).mean(), rtol=1e-12)
        np.testing.assert_allclose(std[c], x[:, c].astype(np.float64).std(), rtol=1e-12)
    normalized = Normalize(mean, std)(x)
    assert normalized.dtype == np.float32
    np.testing.assert_allclose(normalized.mean(axis=(0, 2, 3)), 0, atol=1e-5)
    np.testing.assert_allclose(normalized.std(axis=(0, 2, 3)), 1, atol=1e-5)
    with pytest.raises(ValueError, match="Normalize"):
        Normalize(mean, std)(x[:, :2])


def test_load_dataset_normalises_with_training_statistics_only():
    raw = load_dataset("digits", normalize=False)
    normed = load_dataset("digits")
    mean, std = compute_mean_std(raw.x_train)
    np.testing.assert_allclose(normed.mean, mean)
    np.testing.assert_allclose(normed.std, std)
    both_mean, _ = compute_mean_std(np.concatenate([raw.x_train, raw.x_test]))
    assert not np.allclose(both_mean, mean, rtol=0, atol=1e-7)  # the test split did not leak in
    np.testing.assert_allclose(normed.x_test, (raw.x_test - mean[0]) / std[0], atol=1e-5)
    assert normed.x_test.dtype == np.float32


def test_resize_nearest_repeats_pixels_and_bilinear_keeps_constants():
    x = _images(n=2, c=2, size=4, dtype=np.float64)
    nearest = resize_images(x, 8, mode="nearest")
    np.testing.assert_array_equal(nearest, x.repeat(2, axis=2).repeat(2, axis=3))
    constant = np.full((1, 1, 8, 8), 0.7, dtype=np.float32)
    bilinear = resize_images(constant, 32)
    assert bilinear.shape == (1, 1, 32, 32) and bilinear.dtype == np.float32
    np.testing.assert_allclose(bilinear, 0.7, rtol=1e-6)
    with pytest.raises(ValueError, match="resize_images"):
        resize_images(x, 8, mode="cubic")


@pytest.mark.torch
@pytest.mark.parametrize("size", [16, 32, 5])
def test_resize_bilinear_matches_pytorch(size):
    torch = pytest.importorskip("torch")
    x = _images(n=2, c=3, size=8, dtype=np.float64)
    expected = torch.nn.functional.interpolate(
        torch.from_numpy(x), size=(size, size), mode="bilinear", align_corners=False
    ).numpy()
    np.testing.assert_allclose(resize_images(x, size), expected, rtol=1e-12, atol=1e-12)


# ---------------------------------------------------------------------------------------------- digits


def test_digits_split_is_stratified_fixed_and_disjoint():
    labels = np.repeat(np.arange(3), [50, 31, 19])
    train, test = stratified_split_indices(labels, 0.2, seed=0)
    assert len(test) == 20 and len(train) == 80
    assert len(np.intersect1d(train, test)) == 0
    np.testing.assert_array_equal(np.sort(np.concatenate([train, test])), np.arange(100))
    for k, n_k in enumerate([50, 31, 19]):
        assert abs(np.sum(labels[test] == k) - 0.2 * n_k) <= 1

    np.random.seed(0)
    first = load_digits()
    np.random.seed(123)
    second = load_digits()
    assert first.x_train.shape == (1437, 1, 8, 8) and first.x_test.shape == (360, 1, 8, 8)
    np.testing.assert_array_equal(first.x_test, second.x_test)
    np.testing.assert_array_equal(first.y_train, second.y_train)
    assert first.y_train.dtype == np.int64 and first.x_train.dtype == np.float32
    assert 0.0 == first.x_train.min() and first.x_train.max() == 1.0
    all_counts = np.bincount(np.concatenate([first.y_train, first.y_test]))
    assert np.all(np.abs(np.bincount(first.y_test) - 0.2 * all_counts) <= 1)
    assert load_dataset("digits", seed=7, normalize=False).x_test.tobytes() == first.x_test.tobytes()
    assert not np.array_equal(load_digits(split_seed=1).y_test, first.y_test)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_digits_upscaling_and_dtype(dtype):
    data = load_dataset("digits", image_size=16, dtype=dtype)
    assert data.x_train.shape == (1437, 1, 16, 16) and data.x_train.dtype == dtype == data.x_test.dtype
    assert data.num_classes == 10 and data.in_channels == 1 and data.class_names[3] == "3"
    blocky = load_digits(image_size=16, resize_mode="nearest")
    np.testing.assert_array_equal(blocky.x_train[:, :, ::2, ::2], load_digits().x_train)


def test_load_dataset_rejects_unknown_names_and_options():
    with pytest.raises(UserError, match="digits, cifar10, synthetic"):
        load_dataset("mnist")
    with pytest.raises(TypeError, match="difficulty"):
        load_dataset("digits", difficulty=0.5)
    with pytest.raises(ValueError, match="dtype"):
        load_dataset("digits", dtype=np.int32)


# ------------------------------------------------------------------------------------------ synthetic


def test_synthetic_is_deterministic_and_well_formed():
    a = make_synthetic(n_train=50, n_test=20, num_classes=4, image_size=12, channels=3, difficulty=0.3, seed=1)
    b = make_synthetic(n_train=50, n_test=20, num_classes=4, image_size=12, channels=3, difficulty=0.3, seed=1)
    c = make_synthetic(n_train=50, n_test=20, num_classes=4, image_size=12, channels=3, difficulty=0.3, seed=2)
    np.testing.assert_array_equal(a.x_train, b.x_train)
    np.testing.assert_array_equal(a.y_test, b.y_test)
    assert not np.array_equal(a.x_train, c.x_train)
    assert a.x_train.shape == (50, 3, 12, 12) and a.x_test.shape == (20, 3, 12, 12)
    assert a.x_train.dtype == np.float32 and a.y_train.dtype == np.int64
    assert set(np.unique(a.y_train)) <= set(range(4)) and a.num_classes == 4 and a.in_channels == 3
    as64 = load_dataset("synthetic", n_train=50, n_test=20, difficulty=0.3, seed=1, dtype=np.float64)
    assert as64.x_train.dtype == np.float64 and as64.x_train.shape == (50, 1, 16, 16)
    with pytest.raises(ValueError, match="difficulty"):
        make_synthetic(difficulty=1.5)


def _nearest_centroid_accuracy(data):
    train = data.x_train.reshape(len(data.x_train), -1).astype(np.float64)
    test = data.x_test.reshape(len(data.x_test), -1).astype(np.float64)
    centroids = np.stack([train[data.y_train == k].mean(axis=0) for k in range(data.num_classes)])
    distances = ((test[:, None, :] - centroids[None]) ** 2).sum(axis=-1)
    return np.mean(distances.argmin(axis=1) == data.y_test)


def _separation(data):
    """Mean distance between class means divided by the mean within-class spread."""
    x = data.x_train.reshape(len(data.x_train), -1).astype(np.float64)
    centroids = np.stack([x[data.y_train == k].mean(axis=0) for k in range(data.num_classes)])
    between = np.mean([np.linalg.norm(a - b) for i, a in enumerate(centroids) for b in centroids[i + 1 :]])
    within = np.sqrt(np.mean((x - centroids[data.y_train]) ** 2) * x.shape[1])
    return between / within


def test_synthetic_difficulty_reduces_class_separation():
    datasets = [make_synthetic(n_train=500, n_test=200, difficulty=d, seed=0) for d in (0.0, 0.5, 1.0)]
    separations = [_separation(d) for d in datasets]
    accuracies = [_nearest_centroid_accuracy(d) for d in datasets]
    assert separations[0] > separations[1] > separations[2]
    assert accuracies[0] > 0.95
    assert accuracies[0] > accuracies[1] > accuracies[2]
    assert accuracies[2] < 0.5
