"""The one error a user can fix: bad settings or data."""


class UsageError(Exception):
    """Bad settings or data: the message says what was wrong and what to do.

    The command line prints it as one line and exits with status 2.
    """
