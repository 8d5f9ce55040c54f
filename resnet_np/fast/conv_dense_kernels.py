"""Numba kernels of conv_dense.py: building the dense matrix M of a convolution on a tiny plane, and its adjoint
(the weight gradient from G). See conv_dense.py for the maths.

The entries arrays list, for one pair of channels, the non-zero entries of M: (position p, input pixel s, kernel
offset i*kw + j). The loops run over filters k, then entries, then input channels c, so each filter's rows of M
(or of G) are visited together.
"""

from .jit import njit


@njit(cache=True, nogil=True)
def fill_dense_matrix(w, positions, pixels, offsets, n_pixels, matrix):
    """matrix[k*P + p, c*n_pixels + s] = w[k, c, i, j] for every entry (p, s, i*kw + j); other entries untouched
    (the caller zeroes them). w (K, C, kh, kw) C-contiguous; matrix (K*P, C*n_pixels)."""
    out_channels, channels, kh, kw = w.shape
    n_positions = matrix.shape[0] // out_channels
    w_flat = w.reshape(out_channels, channels, kh * kw)
    for k in range(out_channels):
        for entry in range(positions.shape[0]):
            row = matrix[k * n_positions + positions[entry]]
            pixel, offset = pixels[entry], offsets[entry]
            for c in range(channels):
                row[c * n_pixels + pixel] = w_flat[k, c, offset]


@njit(cache=True, nogil=True)
def weight_gradient(g, positions, pixels, offsets, n_pixels, dw):
    """dw[k, c, i, j] = sum over the entries (p, s, i*kw + j) of g[k*P + p, c*n_pixels + s], summed in entry order.
    g (K*P, C*n_pixels); dw (K, C, kh, kw) C-contiguous, overwritten."""
    out_channels, channels, kh, kw = dw.shape
    n_positions = g.shape[0] // out_channels
    dw_flat = dw.reshape(out_channels, channels, kh * kw)
    dw_flat[:] = 0
    for k in range(out_channels):
        for entry in range(positions.shape[0]):
            row = g[k * n_positions + positions[entry]]
            pixel, offset = pixels[entry], offsets[entry]
            for c in range(channels):
                dw_flat[k, c, offset] += row[c * n_pixels + pixel]
