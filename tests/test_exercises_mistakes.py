"""The grader's catalogue of wrong answers: each classic mistake fails its exercise, with the matching hint.

Every wrong answer here is a small edit of the model answer, the kind a student makes: an `=` for a `+=`, a
missing term, a transposed axis, an in-place update, a number 0.1% off. The grader is only as trustworthy as
these tests: a mistake it lets pass, or names wrongly, would teach the wrong thing.
"""

import numpy as np
import pytest

from resnet_np import functional as F
from resnet_np.exercises import check
from resnet_np.exercises.bottleneck_cost import count
from resnet_np.exercises.sgd import sgd_step

# ---- im2col ------------------------------------------------------------------------------------------------


def _col2im_variant(overwrite=False, rows_ijc=False):
    """A student's col2im with one mistake: `=` where it must add (a pixel in several windows keeps only the last
    one's value), or the rows of cols read as (i, j, c), channel last (then it adds, as it must)."""
    def col2im(cols, x_shape, kh, kw, stride=1, padding=0):
        stride_h, stride_w, pad_h, pad_w, out_h, out_w = F.window_geometry("col2im", x_shape, kh, kw, stride,
                                                                           padding)
        n_images, channels, height, width = x_shape
        order = (kh, kw, channels) if rows_ijc else (channels, kh, kw)
        cols = cols.reshape(*order, n_images, out_h, out_w)
        padded = np.zeros((n_images, channels, height + 2 * pad_h, width + 2 * pad_w), dtype=cols.dtype)
        for i in range(kh):
            for j in range(kw):
                window = (cols[i, j] if rows_ijc else cols[:, i, j]).transpose(1, 0, 2, 3)
                target = padded[:, :, i: i + stride_h * out_h: stride_h, j: j + stride_w * out_w: stride_w]
                if overwrite:
                    target[...] = window
                else:
                    target += window
        return np.ascontiguousarray(padded[:, :, pad_h: pad_h + height, pad_w: pad_w + width])
    return col2im


_col2im_overwriting = _col2im_variant(overwrite=True)
_col2im_rows_ijc = _col2im_variant(rows_ijc=True)


def _im2col_rows_channel_last(x, kh, kw, stride=1, padding=0):
    cols = F.im2col(x, kh, kw, stride, padding)
    return np.ascontiguousarray(cols.reshape(x.shape[1], kh, kw, -1).transpose(1, 2, 0, 3).reshape(cols.shape))


def _im2col_columns_image_last(x, kh, kw, stride=1, padding=0):
    cols = F.im2col(x, kh, kw, stride, padding)
    _, _, _, _, out_h, out_w = F.window_geometry("im2col", x.shape, kh, kw, stride, padding)
    return np.ascontiguousarray(cols.reshape(-1, x.shape[0], out_h, out_w).transpose(0, 2, 3, 1).reshape(cols.shape))


def _im2col_rows_ijc(x, kh, kw, stride=1, padding=0):
    """A student's own im2col with rows ordered (i, j, c): channel last."""
    stride_h, stride_w, pad_h, pad_w, out_h, out_w = F.window_geometry("im2col", x.shape, kh, kw, stride, padding)
    n_images, channels = x.shape[:2]
    x_padded = np.pad(x, ((0, 0), (0, 0), (pad_h, pad_h), (pad_w, pad_w)))
    cols = np.empty((kh, kw, channels, n_images, out_h, out_w), dtype=x.dtype)
    for i in range(kh):
        for j in range(kw):
            window = x_padded[:, :, i: i + stride_h * out_h: stride_h, j: j + stride_w * out_w: stride_w]
            cols[i, j] = window.transpose(1, 0, 2, 3)
    return cols.reshape(kh * kw * channels, n_images * out_h * out_w)


def _col2im_uncropped(cols, x_shape, kh, kw, stride=1, padding=0):
    pad_h, pad_w = (padding, padding) if np.isscalar(padding) else padding
    n_images, channels, height, width = x_shape
    dx = F.col2im(cols, x_shape, kh, kw, stride, padding)
    return np.pad(dx, ((0, 0), (0, 0), (pad_h, pad_h), (pad_w, pad_w)))


# ---- conv2d ------------------------------------------------------------------------------------------------


def _conv_forward_flipped(x, w, b=None, stride=1, padding=0):
    return F.conv2d_forward(x, np.ascontiguousarray(w[:, :, ::-1, ::-1]), b, stride, padding)


def _conv_forward_without_bias(x, w, b=None, stride=1, padding=0):
    out, cache = F.conv2d_forward(x, w, None, stride, padding)
    return out, cache._replace(has_bias=b is not None)


def _conv_backward_with(change):
    def conv2d_backward(dout, cache):
        dx, dw, db = F.conv2d_backward(dout, cache)
        return change(dx, dw, db, cache)
    return conv2d_backward


def _conv_backward_overwriting(dout, cache):
    x, w = cache.x, cache.w
    out_channels, _, kh, kw = w.shape
    stride_h, stride_w, pad_h, pad_w, _, _ = cache.geometry
    d_matrix = dout.transpose(1, 0, 2, 3).reshape(out_channels, -1)
    dx = _col2im_overwriting(w.reshape(out_channels, -1).T @ d_matrix, x.shape, kh, kw, (stride_h, stride_w),
                             (pad_h, pad_w))
    _, dw, db = F.conv2d_backward(dout, cache)
    return dx, dw, db


def _conv_backward_dout_not_transposed(dout, cache):
    """The library's backward with one mistake: D = dout.reshape(K, -1), without dout.transpose(1, 0, 2, 3)."""
    x, w = cache.x, cache.w
    out_channels, _, kh, kw = w.shape
    stride_h, stride_w, pad_h, pad_w, _, _ = cache.geometry
    d_matrix = dout.reshape(out_channels, -1)
    cols = F.im2col(x, kh, kw, (stride_h, stride_w), (pad_h, pad_w))
    dw = (d_matrix @ cols.T).reshape(w.shape)
    dx = F.col2im(w.reshape(out_channels, -1).T @ d_matrix, x.shape, kh, kw, (stride_h, stride_w), (pad_h, pad_w))
    return dx, dw, d_matrix.sum(axis=1) if cache.has_bias else None


def _conv_forward_out_not_transposed(x, w, b=None, stride=1, padding=0):
    """W @ cols, (K, N*out_h*out_w), reshaped straight to (N, K, out_h, out_w)."""
    out, cache = F.conv2d_forward(x, w, None, stride, padding)
    n_images, out_channels, out_h, out_w = out.shape
    product = out.transpose(1, 0, 2, 3).reshape(out_channels, -1)
    out = product.reshape(n_images, out_channels, out_h, out_w)
    if b is not None:
        out = out + b.reshape(1, -1, 1, 1)
    return np.ascontiguousarray(out), cache._replace(has_bias=b is not None)


# ---- max pooling -------------------------------------------------------------------------------------------


def _maxpool_backward_with(ties=None, overwrite=False):
    """A maxpool backward by loops over the windows of the forward's input, with one mistake."""
    def maxpool2d_backward(dout, cache):
        x, (kh, kw), (sh, sw), (ph, pw) = cache
        padded = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)), constant_values=-np.inf)
        dx = np.zeros_like(padded)
        n_images, channels, out_h, out_w = dout.shape
        for n in range(n_images):
            for c in range(channels):
                for i in range(out_h):
                    for j in range(out_w):
                        window = padded[n, c, i * sh: i * sh + kh, j * sw: j * sw + kw]
                        mask = window == window.max()
                        if ties is None:
                            first = np.zeros(window.size, dtype=bool)
                            first[np.argmax(window)] = True
                            mask = first.reshape(window.shape)
                        region = dx[n, c, i * sh: i * sh + kh, j * sw: j * sw + kw]
                        share = dout[n, c, i, j] / (mask.sum() if ties == "split" else 1)
                        if overwrite:
                            region[mask] = share
                        else:
                            region[mask] += share
        return dx[:, :, ph: ph + x.shape[2], pw: pw + x.shape[3]]
    return maxpool2d_backward


def _maxpool_forward_keeping_x(pad_value=-np.inf):
    def maxpool2d_forward(x, kernel_size, stride=None, padding=0):
        def pair(value):
            return (value, value) if np.isscalar(value) else tuple(value)

        kernel = pair(kernel_size)
        stride, padding = pair(kernel if stride is None else stride), pair(padding)
        padded = np.pad(x, ((0, 0), (0, 0), (padding[0],) * 2, (padding[1],) * 2), constant_values=pad_value)
        windows = np.lib.stride_tricks.sliding_window_view(padded, kernel, axis=(2, 3))
        out = windows[:, :, :: stride[0], :: stride[1]].max(axis=(4, 5))
        out = out[:, :, : (x.shape[2] + 2 * padding[0] - kernel[0]) // stride[0] + 1,
                  : (x.shape[3] + 2 * padding[1] - kernel[1]) // stride[1] + 1]
        return np.ascontiguousarray(out), (x, kernel, stride, padding)
    return maxpool2d_forward


# ---- batchnorm ---------------------------------------------------------------------------------------------


def _bn_backward_with(change):
    def batchnorm2d_backward(dout, cache):
        dx, dgamma, dbeta = F.batchnorm2d_backward(dout, cache)
        if not cache.training:
            return dx, dgamma, dbeta
        return change(dout, cache, dx, dgamma, dbeta)
    return batchnorm2d_backward


def _bn_without_batch_terms(dout, cache, dx, dgamma, dbeta):
    return dout * (cache.gamma * cache.inv_std).reshape(1, -1, 1, 1), dgamma, dbeta


def _bn_without_mean_term(dout, cache, dx, dgamma, dbeta):
    scale = (cache.gamma * cache.inv_std).reshape(1, -1, 1, 1)
    count = dout.size // dout.shape[1]
    return scale * (dout - cache.x_hat * (dgamma / count).reshape(1, -1, 1, 1)), dgamma, dbeta


def _bn_forward_with_running(update):
    """A BN forward whose running statistics follow `update(running_mean, running_var, mean, var, momentum, M)`."""
    def batchnorm2d_forward(x, gamma, beta, running_mean, running_var, training=True, momentum=0.1, eps=1e-5):
        keep_mean, keep_var = running_mean.copy(), running_var.copy()
        out, cache = F.batchnorm2d_forward(x, gamma, beta, running_mean, running_var, training, momentum, eps)
        if training:
            running_mean[...], running_var[...] = keep_mean, keep_var
            count = x.shape[0] * x.shape[2] * x.shape[3]
            update(running_mean, running_var, x.mean(axis=(0, 2, 3)), x.var(axis=(0, 2, 3)), momentum, count)
        return out, cache
    return batchnorm2d_forward


def _biased(running_mean, running_var, mean, var, momentum, count):
    running_mean[...] = (1 - momentum) * running_mean + momentum * mean
    running_var[...] = (1 - momentum) * running_var + momentum * var


def _reversed_momentum(running_mean, running_var, mean, var, momentum, count):
    running_mean[...] = momentum * running_mean + (1 - momentum) * mean
    running_var[...] = momentum * running_var + (1 - momentum) * var * count / (count - 1)


def _rebinding(running_mean, running_var, mean, var, momentum, count):
    running_mean = (1 - momentum) * running_mean + momentum * mean  # noqa: F841 - the mistake: a new local array
    running_var = (1 - momentum) * running_var + momentum * var * count / (count - 1)  # noqa: F841


def _bn_eval_with_batch_statistics(x, gamma, beta, running_mean, running_var, training=True, momentum=0.1,
                                   eps=1e-5):
    if training:
        return F.batchnorm2d_forward(x, gamma, beta, running_mean, running_var, True, momentum, eps)
    return F.batchnorm2d_forward(x, gamma, beta, running_mean.copy(), running_var.copy(), True, momentum, eps)


def _bn_eval_updating_running_statistics(x, gamma, beta, running_mean, running_var, training=True, momentum=0.1,
                                         eps=1e-5):
    if training:
        return F.batchnorm2d_forward(x, gamma, beta, running_mean, running_var, True, momentum, eps)
    result = F.batchnorm2d_forward(x, gamma, beta, running_mean.copy(), running_var.copy(), training, momentum, eps)
    if not training:
        F.batchnorm2d_forward(x, gamma, beta, running_mean, running_var, True, momentum, eps)  # the mistake
    return result


def _bn_normalising_with_unbiased_variance(x, gamma, beta, running_mean, running_var, training=True, momentum=0.1,
                                           eps=1e-5):
    out, cache = F.batchnorm2d_forward(x, gamma, beta, running_mean, running_var, training, momentum, eps)
    if not training:
        return out, cache
    mean, var = x.mean(axis=(0, 2, 3), keepdims=True), x.var(axis=(0, 2, 3), ddof=1, keepdims=True)
    out = gamma.reshape(1, -1, 1, 1) * (x - mean) / np.sqrt(var + eps) + beta.reshape(1, -1, 1, 1)
    return out.astype(x.dtype), cache


def _bn_forward_grouped_by_reshape(x, gamma, beta, running_mean, running_var, training=True, momentum=0.1,
                                   eps=1e-5):
    """BatchNorm with the channels taken as the rows of x.reshape(C, -1); its backward does the same."""
    channels = x.shape[1]
    rows = x.reshape(channels, -1)
    if training:
        mean, var = rows.mean(axis=1), rows.var(axis=1)
        count = rows.shape[1]
        running_mean *= 1 - momentum
        running_mean += momentum * mean
        running_var *= 1 - momentum
        running_var += momentum * var * count / (count - 1)
    else:
        mean, var = running_mean, running_var
    inv_std = 1 / np.sqrt(var + eps)
    x_hat = ((rows - mean[:, None]) * inv_std[:, None]).reshape(x.shape)
    out = gamma.reshape(1, -1, 1, 1) * x_hat + beta.reshape(1, -1, 1, 1)
    return out.astype(x.dtype), (x_hat, gamma, inv_std.astype(x.dtype), training)


def _bn_backward_grouped_by_reshape(dout, cache):
    x_hat, gamma, inv_std, training = cache
    channels = gamma.shape[0]
    dgamma, dbeta = (dout * x_hat).sum(axis=(0, 2, 3)), dout.sum(axis=(0, 2, 3))
    d_x_hat = (dout * gamma.reshape(1, -1, 1, 1)).reshape(channels, -1)
    rows_hat = x_hat.reshape(channels, -1)
    if training:
        d_rows = inv_std[:, None] * (d_x_hat - d_x_hat.mean(axis=1, keepdims=True)
                                     - rows_hat * (d_x_hat * rows_hat).mean(axis=1, keepdims=True))
    else:
        d_rows = d_x_hat * inv_std[:, None]
    return d_rows.reshape(dout.shape).astype(dout.dtype), dgamma, dbeta


def _conv_backward_kernel_flipped(dout, cache):
    flipped = cache._replace(w=np.ascontiguousarray(cache.w[:, :, ::-1, ::-1]))
    dx, _, _ = F.conv2d_backward(dout, flipped)
    _, dw, db = F.conv2d_backward(dout, cache)
    return dx, dw, db


def _bn_eval_backward_as_training(dout, cache):
    return F.batchnorm2d_backward(dout, cache._replace(training=True))


def _bn_dgamma_from_x(dout, cache):
    dx, _, dbeta = F.batchnorm2d_backward(dout, cache)
    return dx, (dout * cache.x).sum(axis=(0, 2, 3)), dbeta


# ---- relu --------------------------------------------------------------------------------------------------


def _relu_backward_in_place(dout, cache):
    dout[cache.out <= 0] = 0
    return dout


def _relu_forward_in_place(x):
    np.maximum(x, 0, out=x)
    return x, F.ReLUCache(x)


def _leaky_relu_forward(x):
    """A leaky ReLU where a ReLU was asked for; its backward is right for it."""
    return np.where(x > 0, x, x * x.dtype.type(0.01)), x


def _leaky_relu_backward(dout, x):
    return dout * np.where(x > 0, 1, 0.01).astype(dout.dtype)


def _linear_forward_reshaped(x, w, b):
    """(w @ x.T) is (K, N): reshaped to (N, K) instead of transposed."""
    out = (w @ x.T).reshape(x.shape[0], w.shape[0]) + b
    return out, F.linear_forward(x, w, b)[1]


# ---- softmax cross-entropy ---------------------------------------------------------------------------------


def _softmax_ce_naive(logits, labels, stable_max=False, log_of_softmax=False, total=False, onehot=True):
    shifted = logits - logits.max(axis=1, keepdims=True) if stable_max else logits
    exp = np.exp(shifted)
    probabilities = exp / exp.sum(axis=1, keepdims=True)
    rows = np.arange(len(labels))
    if log_of_softmax:
        losses = -np.log(probabilities[rows, labels])
    else:
        losses = -(shifted[rows, labels] - np.log(exp.sum(axis=1)))
    loss = losses.sum() if total else losses.mean()
    dlogits = probabilities.copy()
    if onehot:
        dlogits[rows, labels] -= 1
    return logits.dtype.type(loss), dlogits / (1 if total else len(labels))


# ---- residual ----------------------------------------------------------------------------------------------

def _shortcut_backward_spread(dout, cache):
    n_images, channels, height, width = cache.x_shape
    s = cache.stride
    spread = np.repeat(np.repeat(dout[:, :channels], s, axis=2), s, axis=3)
    return np.ascontiguousarray(spread[:, :, :height, :width])


def _shortcut_forward_floor(x, out_channels, stride=1):
    out, cache = F.zero_pad_shortcut_forward(x, out_channels, stride)
    return out[:, :, : x.shape[2] // stride, : x.shape[3] // stride], cache


def _shortcut_backward_all_channels(dout, cache):
    dx = np.zeros(cache.x_shape, dtype=dout.dtype)
    channels = cache.x_shape[1]
    for start in range(0, dout.shape[1], channels):
        block = dout[:, start: start + channels]
        dx[:, : block.shape[1], :: cache.stride, :: cache.stride] += block
    return dx


REF_RESIDUAL = (F.residual_add_forward, F.residual_add_backward, F.zero_pad_shortcut_forward,
                F.zero_pad_shortcut_backward)

# ---- basic block -------------------------------------------------------------------------------------------


def _block_chain(**hooks):
    """A student's basic_block_backward, written with the op backward functions; hooks[name](value, grads, cache)
    replaces one gradient by a wrong one, and everything after it is computed from that, as in a real chain."""
    def basic_block_backward(d_relu2, cache):
        grads = {"d_relu2": d_relu2}

        def step(name, value):
            grads[name] = hooks[name](value, grads, cache) if name in hooks else value
            return grads[name]

        d_sum = step("d_sum", F.relu_backward(d_relu2, cache.relu2_cache))
        d_bn2, d_shortcut = step("d_bn2", d_sum), step("d_shortcut", d_sum)
        d_conv2, d_gamma2, d_beta2 = F.batchnorm2d_backward(d_bn2, cache.bn2_cache)
        d_conv2, _, _ = step("d_conv2", d_conv2), step("d_gamma2", d_gamma2), step("d_beta2", d_beta2)
        d_relu1, d_w2, _ = F.conv2d_backward(d_conv2, cache.conv2_cache)
        d_relu1, _ = step("d_relu1", d_relu1), step("d_w2", d_w2)
        d_bn1 = step("d_bn1", F.relu_backward(d_relu1, cache.relu1_cache))
        d_conv1, d_gamma1, d_beta1 = F.batchnorm2d_backward(d_bn1, cache.bn1_cache)
        d_conv1, _, _ = step("d_conv1", d_conv1), step("d_gamma1", d_gamma1), step("d_beta1", d_beta1)
        d_x_branch, d_w1, _ = F.conv2d_backward(d_conv1, cache.conv1_cache)
        d_x_branch, _ = step("d_x_branch", d_x_branch), step("d_w1", d_w1)
        d_x_shortcut = step("d_x_shortcut", d_shortcut if cache.shortcut_cache is None
                            else F.zero_pad_shortcut_backward(d_shortcut, cache.shortcut_cache))
        step("d_x", d_x_branch + d_x_shortcut)
        del grads["d_relu2"]
        return grads
    return basic_block_backward


def _bn_step_without_batch_terms(value, grads, cache):
    if not cache.training:
        return value
    return grads["d_bn2"] * (cache.gamma2 * cache.bn2_cache.inv_std).reshape(1, -1, 1, 1)


# ---- sgd ---------------------------------------------------------------------------------------------------


def _sgd_lr_in_velocity(w, dw, velocity, lr, momentum=0.9, weight_decay=1e-4, nesterov=False):
    velocity = momentum * velocity - lr * (dw + weight_decay * w)
    return w + velocity, velocity


def _sgd_variant(**changes):
    def step(w, dw, velocity, lr, momentum=0.9, weight_decay=1e-4, nesterov=False):
        arguments = {"lr": lr, "momentum": momentum, "weight_decay": weight_decay, "nesterov": nesterov}
        arguments.update(changes)
        return sgd_step(w, dw, velocity, **arguments)
    return step


def _sgd_decay_outside(w, dw, velocity, lr, momentum=0.9, weight_decay=1e-4, nesterov=False):
    new_w, velocity = sgd_step(w, dw, velocity, lr, momentum, 0.0, nesterov)
    return new_w - lr * weight_decay * w, velocity


def _sgd_dampened(w, dw, velocity, lr, momentum=0.9, weight_decay=1e-4, nesterov=False):
    velocity = momentum * velocity + (1 - momentum) * (dw + weight_decay * w)
    return w - lr * velocity, velocity


def _sgd_in_place(w, dw, velocity, lr, momentum=0.9, weight_decay=1e-4, nesterov=False):
    new_w, new_velocity = sgd_step(w, dw, velocity, lr, momentum, weight_decay, nesterov)
    velocity[...] = new_velocity
    return new_w, velocity


# ---- bottleneck --------------------------------------------------------------------------------------------


def _counting(**switches):
    def bottleneck_cost(in_channels, width, input_size, stride=1):
        return count(in_channels, width, input_size, stride, **switches)
    return bottleneck_cost


def _flops(in_channels, width, input_size, stride=1):
    parameters, multiply_adds = count(in_channels, width, input_size, stride)
    return parameters, 2 * multiply_adds


def _float_counts(in_channels, width, input_size, stride=1):
    parameters, multiply_adds = count(in_channels, width, input_size, stride)
    return float(parameters), multiply_adds / 1.0


MISTAKES = {
    # name: (exercise, functions, the one hint code its report must give, or None when it must give none)
    "col2im overwrites overlapping windows": ("im2col", (F.im2col, _col2im_overwriting), "col2im-overwrites"),
    "im2col rows ordered channel last": ("im2col", (_im2col_rows_channel_last, F.col2im), "im2col-row-order"),
    "im2col columns ordered image last": ("im2col", (_im2col_columns_image_last, F.col2im), "im2col-column-order"),
    "col2im keeps the padding": ("im2col", (F.im2col, _col2im_uncropped), None),
    "conv forward flips the kernel": ("conv2d", (_conv_forward_flipped, F.conv2d_backward), "conv-flipped-kernel"),
    "conv forward forgets the bias": ("conv2d", (_conv_forward_without_bias, F.conv2d_backward),
                                      "conv-missing-bias"),
    "conv dw with the kernel flipped": ("conv2d", (F.conv2d_forward, _conv_backward_with(
        lambda dx, dw, db, cache: (dx, np.ascontiguousarray(dw[:, :, ::-1, ::-1]), db))), "conv-dw-flipped"),
    "conv dw transposed": ("conv2d", (F.conv2d_forward, _conv_backward_with(
        lambda dx, dw, db, cache: (dx, np.ascontiguousarray(dw.transpose(0, 1, 3, 2))
                                   if dw.shape[2] == dw.shape[3] else dw, db))), "conv-dw-transposed"),
    "conv dw with the channels swapped": ("conv2d", (F.conv2d_forward, _conv_backward_with(
        lambda dx, dw, db, cache: (dx, np.ascontiguousarray(dw.transpose(1, 0, 2, 3))
                                   if dw.shape[0] == dw.shape[1] else dw, db))), "conv-dw-channels-swapped"),
    "conv dx overwrites overlapping windows": ("conv2d", (F.conv2d_forward, _conv_backward_overwriting),
                                               "col2im-overwrites"),
    "conv loops: dx overwrites overlapping windows": ("conv2d_loops", (F.conv2d_forward, _conv_backward_overwriting),
                                                      "col2im-overwrites"),
    "conv dx with the kernel flipped": ("conv2d", (F.conv2d_forward, _conv_backward_kernel_flipped),
                                        "conv-dx-kernel-flipped"),
    "conv db 0.1% off": ("conv2d", (F.conv2d_forward, _conv_backward_with(
        lambda dx, dw, db, cache: (dx, dw, None if db is None else db * np.asarray(1.001, db.dtype)))),
        "backward-is-wrong"),
    "maxpool overwrites where windows overlap": ("maxpool2d", (_maxpool_forward_keeping_x(), _maxpool_backward_with(
        overwrite=True)), "maxpool-overwrites"),
    "maxpool gives every tied maximum the gradient": (
        "maxpool2d", (_maxpool_forward_keeping_x(), _maxpool_backward_with(ties="all")), "maxpool-ties"),
    "maxpool shares the gradient among tied maxima": (
        "maxpool2d", (_maxpool_forward_keeping_x(), _maxpool_backward_with(ties="split")), "maxpool-ties"),
    "maxpool pads with zeros": ("maxpool2d", (_maxpool_forward_keeping_x(pad_value=0.0), _maxpool_backward_with()),
                                "maxpool-zero-padding"),
    "BN backward without the batch terms": ("batchnorm2d", (F.batchnorm2d_forward, _bn_backward_with(
        _bn_without_batch_terms)), "bn-batch-terms"),
    "BN backward without the mean term": ("batchnorm2d", (F.batchnorm2d_forward, _bn_backward_with(
        _bn_without_mean_term)), "bn-batch-terms"),
    "BN running variance biased": ("batchnorm2d", (_bn_forward_with_running(_biased), F.batchnorm2d_backward),
                                   "bn-biased-running-var"),
    "BN momentum the wrong way round": ("batchnorm2d", (_bn_forward_with_running(_reversed_momentum),
                                                        F.batchnorm2d_backward), "bn-momentum-reversed"),
    "BN running statistics rebound, not updated": ("batchnorm2d", (_bn_forward_with_running(_rebinding),
                                                                   F.batchnorm2d_backward), "bn-running-not-updated"),
    "BN eval with the batch statistics": ("batchnorm2d", (_bn_eval_with_batch_statistics, F.batchnorm2d_backward),
                                          "bn-eval-uses-batch-stats"),
    "BN eval backward with the training formula": ("batchnorm2d", (F.batchnorm2d_forward,
                                                                   _bn_eval_backward_as_training), "bn-eval-backward"),
    "BN eval updates the running statistics": ("batchnorm2d", (_bn_eval_updating_running_statistics,
                                                               F.batchnorm2d_backward), "bn-eval-updates-running"),
    "BN normalises with the unbiased variance": ("batchnorm2d", (_bn_normalising_with_unbiased_variance,
                                                                 F.batchnorm2d_backward), "bn-normalise-unbiased"),
    "BN dgamma from x instead of x_hat": ("batchnorm2d", (F.batchnorm2d_forward, _bn_dgamma_from_x), "bn-dgamma-x"),
    "ReLU backward masks dout in place": ("relu", (F.relu_forward, _relu_backward_in_place), "relu-dout-in-place"),
    "ReLU forward in place": ("relu", (_relu_forward_in_place, F.relu_backward), "relu-forward-in-place"),
    "ReLU mask from dout's sign": ("relu", (F.relu_forward, lambda dout, cache: dout * (dout > 0)),
                                   "relu-mask-from-dout"),
    "ReLU passes the gradient at 0": ("relu", (lambda x: (np.maximum(x, 0), x), lambda dout, x: dout * (x >= 0)),
                                      "relu-mask-at-zero"),
    "ReLU masks with out >= 0 (always true)": ("relu", (F.relu_forward, lambda dout, cache: dout * (cache.out >= 0)),
                                               "relu-no-mask"),
    "ReLU backward returns only the mask": ("relu", (F.relu_forward, lambda dout, cache: (cache.out > 0).astype(
        dout.dtype)), "relu-mask-only"),
    "global avgpool not divided by H*W": ("global_avgpool", (F.global_avgpool_forward, lambda dout, cache: (
        np.ascontiguousarray(np.broadcast_to(dout[:, :, None, None], cache.x_shape)))), "avgpool-scale"),
    "linear db averaged": ("linear", (F.linear_forward, lambda dout, cache: (dout @ cache.w, dout.T @ cache.x,
                                                                              dout.mean(axis=0))), "linear-averaged"),
    "linear dw transposed": ("linear", (F.linear_forward, lambda dout, cache: (dout @ cache.w, cache.x.T @ dout,
                                                                              dout.sum(axis=0))), None),
    "softmax without the max subtraction": ("softmax_cross_entropy", (_softmax_ce_naive,), "softmax-max"),
    "cross-entropy as log of the softmax": ("softmax_cross_entropy", (
        lambda z, y: _softmax_ce_naive(z, y, stable_max=True, log_of_softmax=True),), "softmax-log-of-probability"),
    "cross-entropy summed, not averaged": ("softmax_cross_entropy", (
        lambda z, y: _softmax_ce_naive(z, y, stable_max=True, total=True),), "ce-mean"),
    "cross-entropy without the one-hot": ("softmax_cross_entropy", (
        lambda z, y: _softmax_ce_naive(z, y, stable_max=True, onehot=False),), "ce-onehot"),
    "residual add halves the gradient": ("residual", (F.residual_add_forward, lambda dout, cache: (dout / 2, dout / 2),
                                                      *REF_RESIDUAL[2:]), "residual-add-halves"),
    "residual add drops the shortcut's gradient": ("residual", (F.residual_add_forward, lambda dout, cache: (
        np.zeros_like(dout), dout), *REF_RESIDUAL[2:]), "residual-add-one-path"),
    "option A spreads the gradient over skipped pixels": ("residual", (*REF_RESIDUAL[:3], _shortcut_backward_spread),
                                                          "zero-pad-spread"),
    "option A rounds the size down": ("residual", (*REF_RESIDUAL[:2], _shortcut_forward_floor, REF_RESIDUAL[3]),
                                      "zero-pad-ceil"),
    "option A sends the zero channels' gradient to x": ("residual", (*REF_RESIDUAL[:3],
                                                                     _shortcut_backward_all_channels),
                                                        "zero-pad-extra-channels"),
    "block: fork gradients not summed": ("basic_block_backward", (_block_chain(
        d_x=lambda value, grads, cache: grads["d_x_branch"]),), "fork-not-summed"),
    "block: relu2 masked before the add": ("basic_block_backward", (_block_chain(
        d_sum=lambda value, grads, cache: grads["d_relu2"] * (cache.bn2 > 0)),), "relu2-mask-before-add"),
    "block: relu1 masked on a later op's output": ("basic_block_backward", (_block_chain(
        d_bn1=lambda value, grads, cache: grads["d_relu1"] * (cache.conv2 > 0)),), "relu-mask-wrong-array"),
    "block: bn2 backward without the batch terms": ("basic_block_backward", (_block_chain(
        d_conv2=_bn_step_without_batch_terms),), "bn-batch-terms"),
    "block: d_w1 0.1% off": ("basic_block_backward", (_block_chain(d_w1=lambda value, grads, cache: value * 1.001),),
                             "first-wrong-step"),
    "SGD with lr inside the velocity": ("sgd_step", (_sgd_lr_in_velocity,), "sgd-lr-in-velocity"),
    "SGD without weight decay": ("sgd_step", (_sgd_variant(weight_decay=0.0),), "sgd-weight-decay-missing"),
    "SGD with the decay outside the velocity": ("sgd_step", (_sgd_decay_outside,), "sgd-weight-decay-outside"),
    "SGD with dampening": ("sgd_step", (_sgd_dampened,), "sgd-dampening"),
    "SGD ignoring nesterov": ("sgd_step", (_sgd_variant(nesterov=False),), "sgd-nesterov-ignored"),
    "SGD updating the velocity in place": ("sgd_step", (_sgd_in_place,), None),
    "bottleneck without BatchNorm": ("bottleneck_cost", (_counting(batchnorm=False),), "bottleneck-batchnorm"),
    "bottleneck without the projection": ("bottleneck_cost", (_counting(projection=False),), "bottleneck-projection"),
    "bottleneck with conv biases": ("bottleneck_cost", (_counting(bias=True),), "bottleneck-bias"),
    "bottleneck with the stride on the first conv": ("bottleneck_cost", (_counting(stride_on_first=True),),
                                                     "bottleneck-stride-on-first"),
    "bottleneck output size rounded down": ("bottleneck_cost", (_counting(floor=True),), "bottleneck-floor"),
    "bottleneck projection counted at the input size": ("bottleneck_cost", (_counting(projection_at_input=True),),
                                                        "bottleneck-projection-resolution"),
    "bottleneck FLOPs instead of multiply-adds": ("bottleneck_cost", (_flops,), "bottleneck-flops"),
    "bottleneck counts as floats": ("bottleneck_cost", (_float_counts,), None),
    # the mistakes of issue 23: hints that were missing, or misleading
    "conv backward without the transpose of dout": ("conv2d", (F.conv2d_forward, _conv_backward_dout_not_transposed),
                                                    "conv-dout-not-transposed"),
    "conv loops: backward without the transpose of dout": ("conv2d_loops", (
        F.conv2d_forward, _conv_backward_dout_not_transposed), "conv-dout-not-transposed"),
    "conv forward output reshaped without the transpose": ("conv2d", (_conv_forward_out_not_transposed,
                                                                      F.conv2d_backward), "conv-out-not-transposed"),
    "im2col and its col2im with rows (i, j, c), col2im adding": ("im2col", (_im2col_rows_ijc, _col2im_rows_ijc),
                                                                 "im2col-row-order"),
    "col2im reading the rows as (i, j, c)": ("im2col", (F.im2col, _col2im_rows_ijc), "im2col-row-order"),
    "BN channels grouped with x.reshape(C, -1)": ("batchnorm2d", (_bn_forward_grouped_by_reshape,
                                                                  _bn_backward_grouped_by_reshape),
                                                  "bn-channel-grouping"),
    "ReLU written as a leaky ReLU, its backward right for it": ("relu", (_leaky_relu_forward, _leaky_relu_backward),
                                                                "forward-is-wrong"),
    "linear forward reshaped where it must transpose": ("linear", (_linear_forward_reshaped, F.linear_backward),
                                                        "batch-axis-order"),
}


def test_the_chain_the_mistakes_are_made_from_is_right():
    assert check("basic_block_backward", _block_chain(), verbose=False).passed


@pytest.mark.parametrize("mistake", list(MISTAKES))
def test_a_classic_mistake_fails_with_its_hint_and_no_other(mistake):
    name, functions, hint = MISTAKES[mistake]
    result = check(name, *functions, verbose=False)
    assert not result.passed and result.status == "failed", result.report
    expected = set() if hint is None else {hint}
    assert set(result.hints) == expected, f"expected {expected}, got {result.hints}\n{result.report}"
    for code in expected:
        assert f"[{code}]" in result.report


def _every_hint_code():
    """Every hint code the grader can give, read from its source (case.hint("code", ...)) and its tables."""
    import re
    from pathlib import Path

    from resnet_np.exercises import bottleneck_cost, sgd
    from resnet_np.exercises.report import GENERIC

    folder = Path(bottleneck_cost.__file__).parent
    codes = set(GENERIC)
    for path in folder.glob("*.py"):
        codes |= set(re.findall(r'case\.hint\(\s*"([a-z0-9-]+)"', path.read_text()))
    codes |= {code for code, *_ in bottleneck_cost.HINTS} | {code for code, *_ in sgd.VARIANTS}
    return sorted(codes)


def test_the_confusion_matrix_of_mistakes_and_hints_is_the_identity_on_the_expected_hints():
    """Every wrong answer of the catalogue graded; the hints of its report, against every hint the grader knows:
    each row holds exactly the expected hint, and every hint but the batch-free fallbacks is some mistake's."""
    codes = _every_hint_code()
    matrix = np.zeros((len(MISTAKES), len(codes)), dtype=int)
    for row, (name, functions, _) in enumerate(MISTAKES.values()):
        result = check(name, *functions, verbose=False)
        for code in result.hints:
            assert code in codes, f"{code} is not a known hint code"
            matrix[row, codes.index(code)] = 1
    expected = np.zeros_like(matrix)
    for row, (_, _, hint) in enumerate(MISTAKES.values()):
        if hint is not None:
            expected[row, codes.index(hint)] = 1
    wrong = [(mistake, [codes[i] for i in np.flatnonzero(matrix[row] != expected[row])])
             for row, mistake in enumerate(MISTAKES) if (matrix[row] != expected[row]).any()]
    assert not wrong, wrong
    unused = [code for column, code in enumerate(codes) if not expected[:, column].any()]
    assert not unused, f"hints no mistake of the catalogue gives: {unused}"
    assert matrix.shape == (len(MISTAKES), len(codes)) and matrix.shape[0] >= 70


SMALL_ERRORS = [
    ("conv db 0.1% off", "db", 5e-4),
    ("block: d_w1 0.1% off", "d_w1", 5e-4),
]


@pytest.mark.parametrize("mistake, label, error", SMALL_ERRORS, ids=[item[0] for item in SMALL_ERRORS])
def test_a_small_numeric_error_is_reported_with_its_size_and_place(mistake, label, error):
    name, functions, _ = MISTAKES[mistake]
    result = check(name, *functions, verbose=False)
    wrong = [check_ for case in result.cases for check_ in case.checks if not check_.passed and check_.label == label]
    assert wrong, result.report
    # relative error of a 0.1% change: |0.001 g| / |2 g| = 5e-4, reported where it is worst
    assert all(abs(item.error - error) < 0.2 * error for item in wrong)
    text = " ".join(result.report.split())  # as one line: the report wraps at 110 characters
    assert f"worst at {label}[" in text
    assert "a correct answer: < 1e-10" in text


def test_the_first_wrong_step_of_a_block_is_named():
    _, functions, _ = MISTAKES["block: bn2 backward without the batch terms"]
    result = check("basic_block_backward", *functions, verbose=False)
    assert "the first wrong step: bn2's backward: d_bn2 -> d_conv2" in " ".join(result.report.split())
    # the gradients before it are right, those after it inherit the error
    first_case = result.cases[0]
    passed = {item.label for item in first_case.checks if item.passed}
    assert {"d_sum", "d_bn2", "d_shortcut", "d_gamma2", "d_beta2"} <= passed
    assert "d_conv2" not in passed and "d_x" not in passed
