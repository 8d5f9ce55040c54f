"""Waiting for a counter to change without going to sleep: how the pool's helpers catch the next op quickly.

    changed = wait_for_change(counter, seen, reads)   # counter: int64 array of one value, written by another thread
    reads = reads_for(microseconds)                     # how many reads take about that long on this CPU

A helper thread that sleeps between ops (on a semaphore) needs tens of microseconds to wake on a virtual machine:
its core halts while idle, and the operating system must schedule it again. During a training step the ops come
every few hundred microseconds, so chunks.py lets a helper keep reading a counter for a while after each op: the
caller bumps it when it lends the next op, and the helper sees the change within a microsecond. (OpenMP runtimes,
PyTorch's among them, do the same: their threads spin for a while before they sleep.)

Why not a plain loop over counter[0]: the compiler sees that nothing in the loop writes the counter and reads it
only once. The read below is an atomic load with acquire ordering, which it must repeat, and after which the
caller's earlier writes are visible. The loop runs compiled without the interpreter lock (nogil), so the caller
keeps running Python meanwhile. With NUMBA_DISABLE_JIT=1 there is no compiled read: wait_for_change returns False
at once, and the helpers sleep between ops as before.
"""

import platform
import time

import numpy as np

from .jit import jit_enabled

_X86 = platform.machine().lower() in ("x86_64", "amd64", "i386", "i686")

if jit_enabled():
    from llvmlite import ir
    from numba import njit, types
    from numba.core import cgutils
    from numba.extending import intrinsic

    @intrinsic
    def _atomic_read(typing_context, counter):
        """counter[0], read atomically with acquire ordering (counter: a 1-d int64 array)."""
        signature = types.int64(counter)

        def codegen(context, builder, signature, arguments):
            array_type = signature.args[0]
            array = context.make_array(array_type)(context, builder, arguments[0])
            first = context.get_constant(types.intp, 0)
            pointer = cgutils.get_item_pointer(context, builder, array_type, array, [first])
            return builder.load_atomic(pointer, ordering="acquire", align=8)

        return signature, codegen

    @intrinsic
    def _pause(typing_context):
        """x86's PAUSE between two reads: the core runs the other hardware thread meanwhile (two vCPUs of a
        virtual machine are often the two threads of one core), and leaves the loop without a mispredicted branch.
        Elsewhere nothing."""
        signature = types.void()

        def codegen(context, builder, signature, arguments):
            if _X86:
                function_type = ir.FunctionType(ir.VoidType(), [])
                builder.call(cgutils.get_or_insert_function(builder.module, function_type, "llvm.x86.sse2.pause"), [])
            return context.get_dummy_value()

        return signature, codegen

    @njit(cache=True, nogil=True)
    def wait_for_change(counter, seen, reads):
        """True as soon as counter[0] != seen; False after `reads` reads without a change."""
        for _ in range(reads):
            if _atomic_read(counter) != seen:
                return True
            _pause()
        return False

else:

    def wait_for_change(counter, seen, reads):
        """Without compiled code a loop of reads would hold the interpreter lock: do not spin."""
        return int(counter[0]) != seen


_reads_per_microsecond = None  # measured on first use by reads_for()


def reads_for(microseconds):
    """The number of reads wait_for_change makes in about `microseconds` on this CPU: a read takes ~1 ns on some
    cores and ~30 ns on others (PAUSE's length differs), so the bound is measured once, not fixed."""
    global _reads_per_microsecond
    if microseconds <= 0 or not jit_enabled():
        return 0
    if _reads_per_microsecond is None:
        counter, reads, fastest = np.zeros(1, dtype=np.int64), 1 << 12, float("inf")
        wait_for_change(counter, 0, 1)  # compiles, or loads the cached code
        for _ in range(3):  # the fastest of three: a pause of this thread would make the spin too short
            begin = time.perf_counter()
            wait_for_change(counter, 0, reads)
            fastest = min(fastest, time.perf_counter() - begin)
        _reads_per_microsecond = reads / max(fastest * 1e6, 1e-3)
    return int(microseconds * _reads_per_microsecond)
