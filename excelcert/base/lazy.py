"""A library imported when it is first used, not when the module naming it is imported.

pandas and numpy take half a second to import and some 40 MB. The benchmark needs them,
and `excelcert.documents` imports the benchmark for the letters' reports, so every command
that issues or mails documents would pay for them, `certify` and `mail` included, which
never use them (and the workers a command forks would hold them too). A module names them
so:

    if TYPE_CHECKING:
        import pandas as pd
    else:
        pd = lazy_module("pandas")

and the type checker sees the library itself.
"""

from __future__ import annotations

import importlib
from typing import Any


class LazyModule:
    """Stands for the module `name` until an attribute of it is asked for, then imports it;
    each attribute found is kept, so the next use costs no more than a module's."""

    def __init__(self, name: str) -> None:
        self._lazy_name = name

    def __getattr__(self, attribute: str) -> Any:
        if attribute == "_lazy_name":  # an object made without __init__ (a copy): not a module's
            raise AttributeError(attribute)
        value = getattr(importlib.import_module(self._lazy_name), attribute)
        setattr(self, attribute, value)
        return value

    def __repr__(self) -> str:
        return f"<module {self._lazy_name!r}, imported when first used>"


def lazy_module(name: str) -> Any:
    return LazyModule(name)
