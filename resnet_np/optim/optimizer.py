"""Optimizer base class: parameter groups, zero_grad, and a flat state dict that needs no pickle.

The layout follows torch.optim.Optimizer so code reads the same in both libraries:
  optimizer.param_groups  list of dicts, each {"params": [Parameter, ...], "lr": ..., "weight_decay": ...};
                          a schedule changes optimizer.param_groups[i]["lr"] between steps.
  optimizer.state         one dict per parameter (in group order), e.g. {"momentum_buffer": v}.
  optimizer.step_count    how many times step() has run.

state_dict() returns a flat dict str -> np.ndarray, so it can be stored with np.savez and read back with
np.load(..., allow_pickle=False):
  "optimizer"                 0-d str array, the class name ("SGD", "Adam", "AdamW")
  "step"                      0-d int64, step_count
  "num_groups"                0-d int64
  "group.<g>.num_params"      0-d int64
  "group.<g>.<hyper>"         0-d float64 / bool (lr, momentum, ...) or 1-d float64 (betas)
  "param_shape.<i>"           1-d int64, shape of parameter i (i counts over all groups, in order)
  "<state name>.<i>"          e.g. "momentum_buffer.3", same shape as parameter i
"""

import numpy as np

from ..nn.parameter import Parameter
from ..validation import number

# Keys a param-group dict may hold besides the optimizer's hyper-parameters.
_GROUP_EXTRA_KEYS = ("params", "param_names")


def param_groups_without_decay(named_parameters, weight_decay):
    """Split (name, Parameter) pairs into two param groups: with and without weight decay.

    Parameters with ndim <= 1 (BatchNorm gamma/beta, biases such as "fc.bias") get weight_decay 0;
    all others (conv and linear weights) get `weight_decay`. Returns a list of group dicts for SGD/Adam,
    e.g. [{"params": [...], "param_names": [...], "weight_decay": 1e-4},
          {"params": [...], "param_names": [...], "weight_decay": 0.0}]; an empty group is left out.
    """
    decay = {"params": [], "param_names": [], "weight_decay": float(weight_decay)}
    no_decay = {"params": [], "param_names": [], "weight_decay": 0.0}
    for item in named_parameters:
        if not (isinstance(item, tuple) and len(item) == 2 and isinstance(item[1], Parameter)):
            raise TypeError(
                f"param_groups_without_decay: expected (name, Parameter) pairs such as model.named_parameters(), "
                f"got {type(item).__name__}"
            )
        name, param = item
        group = no_decay if param.data.ndim <= 1 else decay
        group["params"].append(param)
        group["param_names"].append(str(name))
    groups = [group for group in (decay, no_decay) if group["params"]]
    if not groups:
        raise ValueError("param_groups_without_decay: got no parameters")
    return groups


def _as_param_list(items, owner, where):
    """Parameters (and their names, or None) from an iterable of Parameters or (name, Parameter) pairs."""
    if isinstance(items, Parameter):
        items = [items]
    try:
        items = list(items)
    except TypeError:
        raise TypeError(
            f"{owner}: {where} must be an iterable of Parameters, got {type(items).__name__}"
        ) from None
    params, names = [], []
    for item in items:
        if isinstance(item, Parameter):
            params.append(item)
            names.append(None)
        elif isinstance(item, tuple) and len(item) == 2 and isinstance(item[1], Parameter):
            params.append(item[1])
            names.append(str(item[0]))
        else:
            raise TypeError(
                f"{owner}: {where} must hold Parameters or (name, Parameter) pairs, got {type(item).__name__}"
            )
    return params, names


class Optimizer:
    """Base class of SGD and Adam. Subclasses define step(), `state_names` and _check_hyperparameters()."""

    state_names = ()  # names of the per-parameter state arrays, e.g. ("momentum_buffer",)

    def __init__(self, params, defaults):
        self.defaults = dict(defaults)
        self._check_hyperparameters(self.defaults)
        if isinstance(params, dict):
            raise TypeError(f"{self._name}: params must be a list of Parameters or of param-group dicts, got a dict")
        if isinstance(params, Parameter):
            params = [params]
        try:
            items = list(params)
        except TypeError:
            raise TypeError(
                f"{self._name}: params must be an iterable of Parameters or param-group dicts, "
                f"got {type(params).__name__}"
            ) from None
        if not items:
            raise ValueError(f"{self._name}: got an empty parameter list")
        if all(isinstance(item, dict) for item in items):
            groups = items
        elif any(isinstance(item, dict) for item in items):
            raise TypeError(f"{self._name}: params must be all Parameters or all param-group dicts, not a mix")
        else:
            groups = [{"params": items}]

        self.param_groups = []
        seen = set()
        for index, group in enumerate(groups):
            self.param_groups.append(self._make_group(group, index, seen))
        if not seen:
            raise ValueError(f"{self._name}: got an empty parameter list")
        self.state = [{} for _ in seen]
        self.step_count = 0

    @property
    def _name(self):
        return type(self).__name__

    def _owner(self, where=None):
        """Who to name in an error: 'SGD', or 'SGD (param group 1)' for a value from a param group."""
        return self._name if where is None else f"{self._name} ({where})"

    def _make_group(self, group, index, seen):
        where = f"param group {index}"
        unknown = sorted(set(group) - set(self.defaults) - set(_GROUP_EXTRA_KEYS))
        if unknown:
            raise ValueError(
                f"{self._name}: unknown key(s) {unknown} in {where}; "
                f"known: {sorted(self.defaults) + list(_GROUP_EXTRA_KEYS)}"
            )
        if "params" not in group:
            raise ValueError(f"{self._name}: {where} has no 'params' key")
        params, names = _as_param_list(group["params"], self._name, f"{where} 'params'")
        if "param_names" in group:
            given = list(group["param_names"])
            if len(given) != len(params):
                raise ValueError(
                    f"{self._name}: {where} has {len(params)} params but {len(given)} param_names"
                )
            names = [str(name) for name in given]
        for param in params:
            if id(param) in seen:
                raise ValueError(f"{self._name}: a parameter appears more than once ({where})")
            seen.add(id(param))
        new_group = {key: value for key, value in group.items() if key not in _GROUP_EXTRA_KEYS}
        for key, value in self.defaults.items():
            new_group.setdefault(key, value)
        self._check_hyperparameters(new_group, where)
        new_group["params"] = params
        new_group["param_names"] = names
        return new_group

    def _check_hyperparameters(self, group, where=None):
        """Raise ValueError if a hyper-parameter in `group` is out of range (subclasses extend).

        where: None for the constructor's arguments, else the param group, e.g. "param group 1".
        """
        number(self._owner(where), "lr", group["lr"], minimum=0)
        number(self._owner(where), "weight_decay", group["weight_decay"], minimum=0)

    def _params_with_state(self):
        """Yield (group, param, state) for every parameter, in group order (the order of the indices i)."""
        index = 0
        for group in self.param_groups:
            for param in group["params"]:
                if param.grad.shape != param.data.shape:
                    raise ValueError(
                        f"{self._name}: {self._label(index)} has grad shape {param.grad.shape}, "
                        f"expected its data shape {param.data.shape}"
                    )
                yield group, param, self.state[index]
                index += 1

    def _label(self, index):
        """'parameter 3 (layer1.0.conv1.weight)' for error messages."""
        position = index
        for group in self.param_groups:
            if position < len(group["params"]):
                name = group["param_names"][position]
                return f"parameter {index}" + (f" ({name})" if name else "")
            position -= len(group["params"])
        return f"parameter {index}"

    def _all_params(self):
        return [param for group in self.param_groups for param in group["params"]]

    def zero_grad(self):
        """Set the gradient of every parameter this optimizer updates to zero."""
        for param in self._all_params():
            param.zero_grad()

    def step(self):
        raise NotImplementedError

    # ---- checkpointing -------------------------------------------------------------------------------------

    def state_dict(self):
        """Flat dict str -> np.ndarray (copies); see the module docstring for the keys."""
        state = {
            "optimizer": np.array(self._name),
            "step": np.array(self.step_count, dtype=np.int64),
            "num_groups": np.array(len(self.param_groups), dtype=np.int64),
        }
        for g, group in enumerate(self.param_groups):
            state[f"group.{g}.num_params"] = np.array(len(group["params"]), dtype=np.int64)
            for key, default in self.defaults.items():
                dtype = bool if isinstance(default, bool) else np.float64
                state[f"group.{g}.{key}"] = np.array(group[key], dtype=dtype)
        for index, param in enumerate(self._all_params()):
            state[f"param_shape.{index}"] = np.array(param.data.shape, dtype=np.int64)
            for key, array in self.state[index].items():
                state[f"{key}.{index}"] = array.copy()
        return state

    def load_state_dict(self, state_dict):
        """Restore step count, hyper-parameters and state arrays saved by state_dict().

        The optimizer must have been built over parameters of the same number and shapes, in the same groups.
        Everything is checked before anything changes; a mismatch raises ValueError naming the key.
        """
        owner = f"{self._name}.load_state_dict"
        saved = {str(key): np.asarray(state_dict[key]) for key in state_dict}
        used = set()

        def take(key):
            if key not in saved:
                raise ValueError(f"{owner}: missing key '{key}'")
            used.add(key)
            return saved[key]

        kind = str(take("optimizer"))
        if kind != self._name:
            raise ValueError(f"{owner}: the state was saved by a {kind} optimizer, not {self._name}")
        step = take("step")
        if step.shape != () or not np.issubdtype(step.dtype, np.integer) or step < 0:
            raise ValueError(f"{owner}: 'step' must be a 0-d integer array >= 0, got {step!r}")
        num_groups = int(take("num_groups"))
        if num_groups != len(self.param_groups):
            raise ValueError(f"{owner}: expected {len(self.param_groups)} param groups, the state has {num_groups}")

        new_hyperparameters = []
        for g, group in enumerate(self.param_groups):
            num_params = int(take(f"group.{g}.num_params"))
            if num_params != len(group["params"]):
                raise ValueError(
                    f"{owner}: param group {g} has {len(group['params'])} parameters, the state has {num_params}"
                )
            values = {key: _from_array(take(f"group.{g}.{key}"), default, f"{owner}: 'group.{g}.{key}'")
                      for key, default in self.defaults.items()}
            self._check_hyperparameters(values, f"param group {g} in the loaded state")
            new_hyperparameters.append(values)

        params = self._all_params()
        new_state = [{} for _ in params]
        for index, param in enumerate(params):
            shape = tuple(int(size) for size in take(f"param_shape.{index}"))
            if shape != param.data.shape:
                raise ValueError(
                    f"{owner}: {self._label(index)} has shape {param.data.shape}, the state has {shape}"
                )
        for key, array in saved.items():
            if key in used:
                continue
            name, _, position = key.rpartition(".")
            if name not in self.state_names or not position.isdigit() or int(position) >= len(params):
                raise ValueError(
                    f"{owner}: unexpected key '{key}' (expected state names {list(self.state_names)} "
                    f"with an index below {len(params)})"
                )
            index = int(position)
            if array.shape != params[index].data.shape:
                raise ValueError(
                    f"{owner}: '{key}' has shape {array.shape}, expected {params[index].data.shape} "
                    f"({self._label(index)})"
                )
            new_state[index][name] = np.array(array, dtype=params[index].data.dtype, copy=True)

        self.step_count = int(step)
        for group, values in zip(self.param_groups, new_hyperparameters, strict=True):
            group.update(values)
        self.state = new_state


def _from_array(array, default, where):
    """Python value of a saved hyper-parameter, typed like its default (bool, tuple of floats or float)."""
    if isinstance(default, tuple):
        if array.shape != (len(default),):
            raise ValueError(f"{where} must have shape {(len(default),)}, got {array.shape}")
        return tuple(float(value) for value in array)
    if array.shape != ():
        raise ValueError(f"{where} must be a 0-d array, got shape {array.shape}")
    return bool(array) if isinstance(default, bool) else float(array)
