"""Measurements that need a fresh process: peak memory of a training step, and Numba's compile (cold start) time.

Each runs `python -c <probe>` in a subprocess and reads one JSON line from its output, so one framework's
allocations, thread pools and compiled code cannot disturb the other's numbers.

Peak memory: the growth of the process's peak resident set (VmHWM in /proc/self/status, Linux) during one training
step, after a warm-up step on a tiny batch (so compiled code and libraries are already loaded). The peak is reset
before the step by writing 5 to /proc/self/clear_refs.
"""

import json
import os
import shutil
import subprocess
import sys
import tempfile

_MEMORY_PROBE = r"""
import json, sys
import numpy as np
framework, depth, batch, dtype = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]

def status(field):
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1]) * 1024

rng = np.random.default_rng(0)
def data(n):
    return rng.standard_normal((n, 3, 32, 32)).astype(dtype), rng.integers(0, 10, n)

if framework == "ours":
    from resnet_np import functional as F
    from resnet_np.models import cifar_resnet
    from resnet_np.optim import SGD
    model = cifar_resnet(depth, dtype=dtype, seed=0)
    optimizer = SGD(model.parameters(), lr=0.01, momentum=0.9, weight_decay=1e-4)
    def step(x, y):
        optimizer.zero_grad()
        _, d = F.softmax_cross_entropy(model(x), y)
        model.backward(d)
        optimizer.step()
else:
    import torch
    from resnet_np.bench import torch_models
    model = torch_models.build(torch, depth).to(getattr(torch, dtype))
    optimizer = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9, weight_decay=1e-4)
    def step(x, y):
        optimizer.zero_grad()
        torch.nn.functional.cross_entropy(model(torch.from_numpy(x)), torch.from_numpy(y)).backward()
        optimizer.step()

step(*data(2))
x, y = data(batch)
with open("/proc/self/clear_refs", "w") as f:
    f.write("5")
before = status("VmRSS")
step(x, y)
print(json.dumps({"peak_bytes": status("VmHWM") - before}))
"""

_COLD_START_PROBE = r"""
import json, time
begin = time.perf_counter()
import numpy as np
from resnet_np import functional as F
from resnet_np.models import cifar_resnet
from resnet_np.optim import SGD
imported = time.perf_counter()
model = cifar_resnet(8, widths=(2, 4, 8), seed=0)
optimizer = SGD(model.parameters(), lr=0.01)
x = np.zeros((2, 3, 8, 8), np.float32)
y = np.zeros(2, np.int64)
def step():
    optimizer.zero_grad()
    _, d = F.softmax_cross_entropy(model(x), y)
    model.backward(d)
    optimizer.step()
first = time.perf_counter()
step()
second = time.perf_counter()
step()
done = time.perf_counter()
# Kernel time of the first step = its time minus an ordinary step's.
print(json.dumps({"import_s": imported - begin, "kernels_s": (second - first) - (done - second)}))
"""


def _run_probe(code, args=(), env=None, pythonpath=None, read_only=None):
    """Run the probe; read_only: a folder to make read-only for the child (a read-only bind mount when we are root,
    since root ignores file permissions; needs `unshare`)."""
    environment = dict(os.environ if env is None else env)
    if pythonpath is not None:
        environment["PYTHONPATH"] = pythonpath
    command = [sys.executable, "-c", code, *map(str, args)]
    if read_only is not None and os.geteuid() == 0:
        mount = 'mount --bind "$0" "$0" && mount -o remount,ro,bind "$0" && exec "$@"'
        command = ["unshare", "--mount", "sh", "-c", mount, read_only, *command]
    # cwd: `python -c` puts the current folder first on sys.path; it must not shadow the package under test.
    result = subprocess.run(command, capture_output=True, text=True, env=environment, timeout=900,
                            cwd=tempfile.gettempdir())
    if result.returncode != 0:
        raise RuntimeError(f"benchmark subprocess failed:\n{result.stderr[-2000:]}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def _package_root():
    return os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def peak_memory(depth=20, batch=128, dtype="float32", with_torch=True):
    """{"ours": bytes, "torch": bytes or None}: peak resident-memory growth of one training step."""
    if not os.path.exists("/proc/self/clear_refs"):
        return {"ours": None, "torch": None}
    root = _package_root()
    ours = _run_probe(_MEMORY_PROBE, ("ours", depth, batch, dtype), pythonpath=root)["peak_bytes"]
    theirs = _run_probe(_MEMORY_PROBE, ("torch", depth, batch, dtype), pythonpath=root)["peak_bytes"] \
        if with_torch else None
    return {"ours": ours, "torch": theirs}


def cold_start():
    """Numba compile time of every kernel a float32 training step needs, three ways (seconds of kernel start-up):

    cold: an empty cache (NUMBA_CACHE_DIR = a new folder); warm: the same folder again;
    read_only_cold / read_only_warm: the package copied to a read-only folder, no NUMBA_CACHE_DIR, so Numba must
    fall back to its per-user cache (XDG_CACHE_HOME = a new folder) as for an installed package.
    """
    results = {}
    with tempfile.TemporaryDirectory() as folder:
        env = dict(os.environ, NUMBA_CACHE_DIR=os.path.join(folder, "numba-cache"))
        env.pop("NUMBA_DISABLE_JIT", None)
        root = _package_root()
        results["cold"] = _run_probe(_COLD_START_PROBE, env=env, pythonpath=root)
        results["warm"] = _run_probe(_COLD_START_PROBE, env=env, pythonpath=root)

        installed = os.path.join(folder, "site-packages")
        shutil.copytree(os.path.join(root, "resnet_np"), os.path.join(installed, "resnet_np"),
                        ignore=shutil.ignore_patterns("__pycache__"))
        for directory, _, files in os.walk(installed):
            for name in files:
                os.chmod(os.path.join(directory, name), 0o444)
            os.chmod(directory, 0o555)
        env = dict(os.environ, XDG_CACHE_HOME=os.path.join(folder, "user-cache"), PYTHONDONTWRITEBYTECODE="1")
        env.pop("NUMBA_CACHE_DIR", None)
        env.pop("NUMBA_DISABLE_JIT", None)
        for key in ("read_only_cold", "read_only_warm"):
            try:
                results[key] = _run_probe(_COLD_START_PROBE, env=env, pythonpath=installed, read_only=installed)
            except (RuntimeError, OSError) as error:  # e.g. no unshare / mount permission: report, don't fail
                results[key] = {"error": str(error).splitlines()[-1] if str(error) else type(error).__name__}
        user_cache = os.path.join(folder, "user-cache")
        results["read_only_cache_files"] = sum(len(files) for _, _, files in os.walk(user_cache))
        results["files_written_into_package"] = sum(
            len(files) for directory, _, files in os.walk(installed) if "__pycache__" in directory)
        for directory, _, _ in os.walk(installed):
            os.chmod(directory, 0o755)  # so the temporary folder can be removed
    return results
