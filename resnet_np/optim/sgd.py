"""SGD with momentum and weight decay: the optimiser of the ResNet paper (He et al. 2015, Sec. 3.4 and 4.2)."""

import numpy as np

from ..validation import number
from .optimizer import Optimizer


class SGD(Optimizer):
    """Stochastic gradient descent with (Nesterov) momentum; step for step equal to torch.optim.SGD.

    For every parameter w with gradient g, one step() does:
      d = g + weight_decay * w             (gradient of the L2 penalty 0.5 * weight_decay * |w|^2)
      v = momentum * v + d                 (v starts at 0, so the first v equals d, as in PyTorch)
      d = d + momentum * v   if nesterov,   else   d = v
      w = w - lr * d
    With momentum 0 no v is kept and the step is w = w - lr * d.
    Paper's CIFAR-10 and ImageNet settings: lr 0.1, momentum 0.9, weight_decay 1e-4 (ImageNet also 1e-4).

    params: iterable of Parameters, of (name, Parameter) pairs, or of param-group dicts such as
      param_groups_without_decay(model.named_parameters(), 1e-4); a group's own keys override the defaults.
    Updates are in place on param.data, so models keep seeing their arrays; float32 stays float32.
    """

    state_names = ("momentum_buffer",)

    def __init__(self, params, lr, momentum=0.9, weight_decay=1e-4, nesterov=False):
        defaults = {"lr": lr, "momentum": momentum, "weight_decay": weight_decay, "nesterov": bool(nesterov)}
        super().__init__(params, defaults)

    def _check_hyperparameters(self, group, where=None):
        super()._check_hyperparameters(group, where)
        number(self._owner(where), "momentum", group["momentum"], minimum=0)
        if group["nesterov"] and not group["momentum"] > 0:
            raise ValueError(f"{self._owner(where)}: nesterov=True needs momentum > 0, got {group['momentum']!r}")

    def step(self):
        """Update every parameter once from its .grad (call after backward, before zero_grad)."""
        for group, param, state in self._params_with_state():
            # Python floats, so float32 arrays are not promoted to float64 (NumPy 2 scalar rules).
            lr, momentum = float(group["lr"]), float(group["momentum"])
            weight_decay = float(group["weight_decay"])
            direction = param.grad
            if weight_decay != 0:
                direction = direction + weight_decay * param.data
            if momentum != 0:
                if "momentum_buffer" not in state:
                    state["momentum_buffer"] = np.zeros_like(param.data)
                velocity = state["momentum_buffer"]
                velocity *= momentum
                velocity += direction
                direction = direction + momentum * velocity if group["nesterov"] else velocity
            param.data -= lr * direction
        self.step_count += 1
