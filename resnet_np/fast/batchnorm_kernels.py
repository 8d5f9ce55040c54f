"""Numba kernels for batch normalisation: the formulas of functional/batchnorm.py in as few passes over memory as
possible.

The NumPy reference makes a temporary array for every step (x - mean, its square, x_hat, x_hat * gamma, ...):
about ten passes over an activation-sized array per forward and as many per backward. Here:
    forward:  channel_sums,       2 reads of x (the mean, then the variance around it: as exact as the reference)
              squared_deviation_sums
              normalize           1 read of x, writes out
    backward: gradient_sums       1 read of dout and x -> dbeta, dgamma
              input_gradient      1 read of dout and x, writes dx
x_hat = (x - mean) * inv_std is never stored: each kernel recomputes it where it needs it, in x's dtype, with the
very expression the reference uses, so it is the same number.
Sums are accumulated in float64 whatever the data type, so float32 statistics are as accurate as float64 ones.
The sums may be reordered (fastmath "reassoc": several partial sums at once, in vector registers): without it
every addition waits for the previous one, and the sums alone took longer than the reference's NumPy passes.
Serial and nogil, like the conv kernels (see im2col_kernels.py for why): fast/batchnorm.py calls each on chunks
of images, on several threads, and adds up the chunks' sums itself. Arrays are (N, C, H*W), C-contiguous: each
image's channel is one run of H*W values. (With the loops over H and W nested instead, the float64 sums
vectorised one 32-value row of a 32x32 plane at a time: benchmarks/value_ops_threads.py, one thread, 16x16x32x32
float32, read the forward 191 us and the backward 141 then, 95 and 97 now.)
"""

from .jit import njit

_REORDER_SUMS = {"reassoc"}  # only reassociation: NaN and infinity keep their IEEE meaning


@njit(cache=True, nogil=True, fastmath=_REORDER_SUMS)
def channel_sums(x, sums):
    """sums[c] = sum of x[:, c] (float64 (C,)): the first pass of the mean."""
    n_images, channels, positions = x.shape
    sums[:] = 0.0
    for n in range(n_images):
        for c in range(channels):
            total = 0.0
            for p in range(positions):
                total += x[n, c, p]
            sums[c] += total


@njit(cache=True, nogil=True, fastmath=_REORDER_SUMS)
def squared_deviation_sums(x, mean, sums):
    """sums[c] = sum of (x[:, c] - mean[c])^2 (float64 (C,)): the second pass, for the variance."""
    n_images, channels, positions = x.shape
    sums[:] = 0.0
    for n in range(n_images):
        for c in range(channels):
            center = mean[c]
            total = 0.0
            for p in range(positions):
                deviation = x[n, c, p] - center
                total += deviation * deviation
            sums[c] += total


@njit(cache=True, nogil=True)
def normalize(x, mean, inv_std, gamma, beta, out):
    """out = gamma * x_hat + beta with x_hat = (x - mean) * inv_std, per channel (all vectors in x's dtype)."""
    n_images, channels, positions = x.shape
    for n in range(n_images):
        for c in range(channels):
            center, scale, weight, shift = mean[c], inv_std[c], gamma[c], beta[c]
            for p in range(positions):
                normalized = (x[n, c, p] - center) * scale
                out[n, c, p] = normalized * weight + shift


@njit(cache=True, nogil=True, fastmath=_REORDER_SUMS)
def gradient_sums(dout, x, mean, inv_std, dbeta, dgamma):
    """dbeta[c] = sum of dout[:, c], dgamma[c] = sum of dout[:, c] * x_hat[:, c]; dbeta, dgamma float64 (C,)."""
    n_images, channels, positions = dout.shape
    dbeta[:] = 0.0
    dgamma[:] = 0.0
    for n in range(n_images):
        for c in range(channels):
            center, scale = mean[c], inv_std[c]
            beta_total = 0.0
            gamma_total = 0.0
            for p in range(positions):
                g = dout[n, c, p]
                beta_total += g
                gamma_total += g * ((x[n, c, p] - center) * scale)
            dbeta[c] += beta_total
            dgamma[c] += gamma_total


@njit(cache=True, nogil=True)
def input_gradient(dout, x, mean, inv_std, scale, dbeta_mean, dgamma_mean, dx):
    """Training-mode dx = scale * (dout - dbeta / M - x_hat * dgamma / M), per channel (vectors in dout's dtype)."""
    n_images, channels, positions = dout.shape
    for n in range(n_images):
        for c in range(channels):
            center, inverse, factor, offset, slope = mean[c], inv_std[c], scale[c], dbeta_mean[c], dgamma_mean[c]
            for p in range(positions):
                x_hat = (x[n, c, p] - center) * inverse
                dx[n, c, p] = factor * (dout[n, c, p] - offset - x_hat * slope)
