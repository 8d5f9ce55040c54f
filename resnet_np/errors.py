"""Errors the user caused or can fix (a wrong flag, a missing folder, a foreign file, a full disk).

The command line prints a UserError as one clear line and exits with status 2, without a traceback.
"""


class UserError(Exception):
    """A mistake in what the user asked for, explained in one line."""


class StorageError(UserError):
    """The disk refused a write (full, read-only, no permission): one line saying what was kept and what to do."""


class Terminated(KeyboardInterrupt):
    """SIGTERM, turned into an exception by the command line so that it stops a run as Ctrl-C does."""
