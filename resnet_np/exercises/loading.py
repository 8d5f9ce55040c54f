"""Loading a student's Python file: its functions by name, or one line saying what is wrong and where.

    load("my_relu.py", "relu")    -> [relu_forward, relu_backward], in the order check() takes them

The file is run as a script would be, except that an `if __name__ == "__main__":` block is not. An error while
loading names the file's line; a missing function gets "did you mean" from the functions the file does define.
"""

import difflib
import runpy
import traceback
from pathlib import Path

from ..errors import UserError


def _line_in(path, error):
    """' (line N: code)' of the innermost frame of error's traceback that lies in the student's file."""
    target = str(Path(path).resolve())
    frames = [frame for frame in traceback.extract_tb(error.__traceback__)
              if str(Path(frame.filename).resolve()) == target]
    if not frames:
        return ""
    frame = frames[-1]
    return f" (line {frame.lineno}{': ' + frame.line.strip() if frame.line else ''})"


def load(path, name):
    """The functions exercise `name` asks for, by name, from the Python file at path; UserError otherwise."""
    from . import get

    exercise = get(name)
    path = Path(path)
    if not path.is_file():
        raise UserError(f"no such file: {path}")
    try:
        namespace = runpy.run_path(str(path), run_name="__exercise__")
    except SyntaxError as error:
        raise UserError(f"{path} is not valid Python: {error.msg} (line {error.lineno})") from None
    except (Exception, SystemExit) as error:
        message = str(error).strip().splitlines()[0] if str(error).strip() else ""
        raise UserError(f"{path} raised {type(error).__name__} while loading{_line_in(path, error)}"
                        f"{': ' + message if message else ''}") from None
    missing = [wanted for wanted in exercise.functions if not callable(namespace.get(wanted))]
    if missing:
        defined = [key for key, value in namespace.items() if callable(value) and getattr(value, "__module__", None)
                   == "__exercise__" and not key.startswith("_")]
        guesses = []
        for wanted in missing:
            close = difflib.get_close_matches(wanted, [key for key in defined if key not in exercise.functions], 1,
                                              0.6)
            if close:
                guesses.append(f"{close[0]} for {wanted}")
        advice = f"; did you mean {', '.join(guesses)}?" if guesses else ""
        raise UserError(f"{path} defines no function {', '.join(missing)}{advice} (exercise {exercise.name} needs "
                        f"{', '.join(exercise.functions)}; starter code: python -m resnet_np exercise template "
                        f"{exercise.name})")
    return [namespace[wanted] for wanted in exercise.functions]
