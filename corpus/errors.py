"""The base of every error a user can fix (bad path, unreadable file, incompatible index …)."""


class UserError(Exception):
    """Shown to the user as its message, without a traceback (CLI exit code 2, HTTP 4xx)."""
