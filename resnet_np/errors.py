"""Errors the user caused (a wrong flag, a missing folder, a foreign file).

The command line prints a UserError as one clear line and exits with status 2, without a traceback.
"""


class UserError(Exception):
    """A mistake in what the user asked for, explained in one line."""
