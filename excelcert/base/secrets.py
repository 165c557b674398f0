"""Passwords for mail servers: from an environment variable, else the system's keyring.

Never from a file. The keyring (macOS Keychain, Windows Credential Manager, the Secret
Service on Linux) is reached through the optional `keyring` package; without it, or without
an entry there, only the environment variable counts.
"""

from __future__ import annotations

import os
from collections.abc import Mapping


def find_password(variable: str, service: str, user: str, environ: Mapping[str, str] | None = None) -> str | None:
    """The password in the environment variable `variable`, else the keyring's for
    (`service`, `user`); None when neither has one."""
    environ = os.environ if environ is None else environ
    if environ.get(variable):
        return environ[variable]
    try:
        import keyring
    except ImportError:
        return None
    try:
        found = keyring.get_password(service, user)
    except Exception:  # no usable keyring here (no desktop session, locked, no backend): as if empty
        return None
    return str(found) if found else None
