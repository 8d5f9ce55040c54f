"""Adam (Kingma and Ba 2015) and AdamW (Loshchilov and Hutter 2019), step for step equal to PyTorch's."""

import math

import numpy as np

from ..validation import number
from .optimizer import Optimizer


class Adam(Optimizer):
    """Adam with L2-style weight decay (torch.optim.Adam), or decoupled decay (torch.optim.AdamW).

    For every parameter w with gradient g, step t = 1, 2, ... does:
      g = g + weight_decay * w                 (L2 style; skipped when decoupled_weight_decay)
      w = w * (1 - lr * weight_decay)          (only when decoupled_weight_decay, i.e. AdamW)
      m = beta1 * m + (1 - beta1) * g          (m and v start at 0)
      v = beta2 * v + (1 - beta2) * g * g
      m_hat = m / (1 - beta1^t),   v_hat = v / (1 - beta2^t)
      w = w - lr * m_hat / (sqrt(v_hat) + eps)
    The last line is computed as PyTorch does: w - (lr / (1 - beta1^t)) * m / (sqrt(v) / sqrt(1 - beta2^t) + eps).

    params: as for SGD (Parameters, (name, Parameter) pairs or param-group dicts).
    Updates are in place on param.data; float32 stays float32.
    """

    state_names = ("exp_avg", "exp_avg_sq")

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0,
                 decoupled_weight_decay=False):
        try:
            betas = tuple(betas)
        except TypeError:
            raise TypeError(f"{type(self).__name__}: betas must be a pair (beta1, beta2), got {betas!r}") from None
        defaults = {"lr": lr, "betas": betas, "eps": eps, "weight_decay": weight_decay,
                    "decoupled_weight_decay": bool(decoupled_weight_decay)}
        super().__init__(params, defaults)

    def _check_hyperparameters(self, group, where=None):
        super()._check_hyperparameters(group, where)
        owner, betas = self._owner(where), group["betas"]
        if not (isinstance(betas, (tuple, list)) and len(betas) == 2):
            raise ValueError(f"{owner}: betas must be a pair (beta1, beta2), got {betas!r}")
        number(owner, "betas[0]", betas[0], minimum=0, below=1)
        number(owner, "betas[1]", betas[1], minimum=0, below=1)
        number(owner, "eps", group["eps"], minimum=0)

    def step(self):
        """Update every parameter once from its .grad (call after backward, before zero_grad)."""
        t = self.step_count + 1
        for group, param, state in self._params_with_state():
            # Python floats, so float32 arrays are not promoted to float64 (NumPy 2 scalar rules).
            lr, eps, weight_decay = float(group["lr"]), float(group["eps"]), float(group["weight_decay"])
            beta1, beta2 = float(group["betas"][0]), float(group["betas"][1])
            grad = param.grad
            if weight_decay != 0:
                if group["decoupled_weight_decay"]:
                    param.data *= 1 - lr * weight_decay
                else:
                    grad = grad + weight_decay * param.data
            if "exp_avg" not in state:
                state["exp_avg"] = np.zeros_like(param.data)
                state["exp_avg_sq"] = np.zeros_like(param.data)
            exp_avg, exp_avg_sq = state["exp_avg"], state["exp_avg_sq"]
            exp_avg += (1 - beta1) * (grad - exp_avg)  # = beta1 * m + (1 - beta1) * g, PyTorch's lerp form
            exp_avg_sq *= beta2
            exp_avg_sq += (1 - beta2) * (grad * grad)
            step_size = lr / (1 - beta1**t)
            denominator = np.sqrt(exp_avg_sq) / math.sqrt(1 - beta2**t)
            denominator += eps
            param.data -= step_size * (exp_avg / denominator)
        self.step_count = t


class AdamW(Adam):
    """Adam with decoupled weight decay (torch.optim.AdamW): w = w * (1 - lr * weight_decay) before the Adam step.

    Same as Adam(..., decoupled_weight_decay=True); default weight_decay 0.01 as in PyTorch.
    """

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2):
        super().__init__(params, lr=lr, betas=betas, eps=eps, weight_decay=weight_decay,
                         decoupled_weight_decay=True)
