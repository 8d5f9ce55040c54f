"""Matrix products called from inside compiled kernels, through NumPy's own OpenBLAS.

    blas = numpy_gemm(np.float32)                  # (address, integer bits) of NumPy's cblas sgemm, or None
    gemm(blas[0], blas[1], False, False, a, b, c)  # inside a kernel: c = a @ b (transpose_a: a.T; accumulate: +=)
    matmul_into(False, False, a, b, c)             # the same product from Python, through np.matmul

Why: a chunk of conv_channels_last.py used to be four calls from Python (copies, the product through np.matmul,
the copy back). Each call lets go of the interpreter lock and takes it back; with two threads, taking it back may
wait for the other thread's Python, and a waiting thread sleeps and takes tens of microseconds to wake on a
virtual machine. With the product called from the compiled kernel, a chunk is one call (docs/benchmarks.md has
the measurements). Numba's own np.dot would call SciPy's copy of OpenBLAS, which the engine's one-BLAS-thread
setting does not reach (Numba loads it later), so the product is NumPy's: the library np.matmul uses, at the
thread count resnet_np.runtime gives it.

Where NumPy's BLAS is not an OpenBLAS this module finds (NumPy built against another BLAS, or
NUMBA_DISABLE_JIT=1), numpy_gemm returns None and the callers make the same products with matmul_into.
"""

import ctypes
import functools
import os

import numpy as np

from .jit import jit_enabled

# NumPy's wheels bundle OpenBLAS with 64-bit integers and prefixed names ("scipy-openblas64"); a NumPy built
# against a system OpenBLAS has the plain cblas names with 32-bit integers.
_SYMBOLS = {np.dtype(np.float32): [("scipy_cblas_sgemm64_", 64), ("cblas_sgemm64_", 64), ("cblas_sgemm", 32)],
            np.dtype(np.float64): [("scipy_cblas_dgemm64_", 64), ("cblas_dgemm64_", 64), ("cblas_dgemm", 32)]}


@functools.cache
def numpy_gemm(dtype):
    """(address, integer bits) of NumPy's OpenBLAS gemm for float32 or float64, or None where there is none to
    call from compiled code."""
    dtype = np.dtype(dtype)
    library = _numpy_openblas()
    if library is None or dtype not in _SYMBOLS:
        return None
    for name, bits in _SYMBOLS[dtype]:
        function = getattr(library, name, None)
        if function is not None:
            return ctypes.cast(function, ctypes.c_void_p).value, bits
    return None


@functools.cache
def _numpy_openblas():
    """The OpenBLAS that NumPy itself loaded, opened with ctypes; None without compiled code or such a library."""
    if not jit_enabled():
        return None
    from threadpoolctl import threadpool_info

    # NumPy's wheels keep their OpenBLAS beside the package: site-packages/numpy.libs (Linux, Windows) or
    # site-packages/numpy/.dylibs (macOS). Both paths begin with site-packages/numpy.
    numpy_prefix = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(np.__file__))), "numpy")
    for library in threadpool_info():
        path = library.get("filepath") or ""
        if library.get("internal_api") == "openblas" and path.startswith(numpy_prefix):
            try:
                return ctypes.CDLL(path)
            except OSError:
                continue
    return None  # another program's or package's BLAS only: not the one np.matmul calls


if jit_enabled():
    from llvmlite import ir
    from numba import njit, types
    from numba.extending import intrinsic

    _ROW_MAJOR, _NO_TRANSPOSE, _TRANSPOSE = 101, 111, 112

    def _make_gemm_call(bits):
        """An intrinsic calling cblas_?gemm at a run-time address, with `bits`-bit integers."""

        @intrinsic
        def call(typing_context, address, transpose_a, accumulate, m, n, k, a, lda, b, ldb, c, ldc):
            signature = types.void(address, transpose_a, accumulate, m, n, k, a, lda, b, ldb, c, ldc)

            def codegen(context, builder, signature, arguments):
                address_, transpose_a_, accumulate_, m_, n_, k_, a_, lda_, b_, ldb_, c_, ldc_ = arguments
                a_type, b_type, c_type = signature.args[6], signature.args[8], signature.args[10]
                real = context.get_value_type(a_type.dtype)
                integer, enum = ir.IntType(bits), ir.IntType(32)
                byte_pointer = ir.IntType(8).as_pointer()
                function_type = ir.FunctionType(ir.VoidType(), [enum, enum, enum, integer, integer, integer, real,
                                                                byte_pointer, integer, byte_pointer, integer, real,
                                                                byte_pointer, integer])
                function = builder.inttoptr(address_, function_type.as_pointer())

                def data(value, type_):
                    return builder.bitcast(context.make_array(type_)(context, builder, value).data, byte_pointer)

                def size(value):
                    return builder.trunc(value, integer) if bits < 64 else value

                transpose = builder.select(transpose_a_, ir.Constant(enum, _TRANSPOSE),
                                           ir.Constant(enum, _NO_TRANSPOSE))
                beta = builder.select(accumulate_, ir.Constant(real, 1.0), ir.Constant(real, 0.0))  # c = ... + beta * c
                builder.call(function, [
                    ir.Constant(enum, _ROW_MAJOR), transpose, ir.Constant(enum, _NO_TRANSPOSE),
                    size(m_), size(n_), size(k_), ir.Constant(real, 1.0), data(a_, a_type), size(lda_),
                    data(b_, b_type), size(ldb_), beta, data(c_, c_type), size(ldc_)])
                return context.get_dummy_value()

            return signature, codegen

        return call

    _gemm_64 = _make_gemm_call(64)
    _gemm_32 = _make_gemm_call(32)

    @njit(cache=True, nogil=True)
    def gemm(address, bits, transpose_a, accumulate, a, b, c):
        """c = op(a) @ b, or c += op(a) @ b when accumulate; op(a) = a.T when transpose_a, else a. a, b, c 2-D
        C-contiguous arrays of one dtype, c of the right shape. address, bits: from numpy_gemm(dtype)."""
        rows, columns = c.shape
        inner = a.shape[0] if transpose_a else a.shape[1]
        if (a.shape[1] if transpose_a else a.shape[0]) != rows or b.shape[0] != inner or b.shape[1] != columns:
            raise ValueError("gemm: the shapes of a, b and c do not make c = op(a) @ b")  # BLAS would not check
        if bits == 64:
            _gemm_64(address, transpose_a, accumulate, rows, columns, inner, a, a.shape[1], b, b.shape[1], c,
                     c.shape[1])
        else:
            _gemm_32(address, transpose_a, accumulate, rows, columns, inner, a, a.shape[1], b, b.shape[1], c,
                     c.shape[1])

else:

    def gemm(address, bits, transpose_a, accumulate, a, b, c):
        """Without compiled code numpy_gemm returns None, and nothing calls this."""
        matmul_into(transpose_a, accumulate, a, b, c)


def matmul_into(transpose_a, accumulate, a, b, c):
    """What gemm computes, from Python with np.matmul: c = op(a) @ b, or c += op(a) @ b when accumulate."""
    product_of = a.T if transpose_a else a
    if accumulate:
        c += product_of @ b
    else:
        np.matmul(product_of, b, out=c)
