"""Importing Great Expectations for `duban validate` without paying for what we never use.

`import great_expectations` registers every core expectation, and one of them
(expect_column_kl_divergence_to_be_less_than) imports scipy.stats at module level, about
1 s of a ~4 s import, though it is used only inside distribution tests we never run.
Registering scipy.stats as a lazy module first defers its loading to the first attribute
access: behaviour is unchanged, the import is ~1 s shorter. (altair, imported there too,
cannot be deferred this way: `import altair` reads the module's __spec__, which loads it.)
"""

from __future__ import annotations

import importlib.util
import os
import sys
import threading
from types import ModuleType

DEFERRED = ("scipy.stats",)
_LOCK = threading.Lock()


def _defer(name: str) -> None:
    if name in sys.modules:
        return
    spec = importlib.util.find_spec(name)
    if spec is None or spec.loader is None:
        return
    loader = importlib.util.LazyLoader(spec.loader)
    spec.loader = loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    loader.exec_module(module)
    parent, _, child = name.rpartition(".")
    if parent:
        setattr(sys.modules[parent], child, module)


def import_gx() -> ModuleType:
    """`great_expectations`, imported with its unused heavy dependencies deferred."""
    with _LOCK:  # LazyLoader is not thread-safe before Python 3.12
        os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")  # nothing about our files leaves the machine
        if "great_expectations" not in sys.modules:
            for name in DEFERRED:
                _defer(name)
        import great_expectations  # deferred: ~1 s, only files being judged need it

    return great_expectations
