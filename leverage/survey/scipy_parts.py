"""SciPy's compiled modules the audit needs, loaded without the packages that hold them.

Why: importing `scipy.optimize._highspy._core` or `scipy.linalg._flapack` by name first runs the
`__init__` of scipy.optimize or scipy.linalg, which load most of SciPy (scipy.special, scipy.fft, the
array-API layer): about 0.4 s of every `score` command, for two extension modules that need none of it.
Loaded from its file, a module is registered under its own name, so a later ordinary import (linprog,
scipy.linalg) finds and uses this very module rather than loading the extension twice. On any surprise
(another SciPy layout) the ordinary import runs. SciPy is pinned to one minor release in requirements.txt.
"""

from __future__ import annotations

import importlib
import importlib.machinery
import importlib.util
import sys
from pathlib import Path
from types import ModuleType


def extension(name: str) -> ModuleType:
    """The extension module `name` (e.g. "scipy.linalg._flapack"), loaded from its file when it can be."""
    if name in sys.modules:
        return sys.modules[name]
    try:
        import scipy

        folder = Path(scipy.__file__).parent.joinpath(*name.split(".")[1:-1])
        last = name.rsplit(".", 1)[1]
        path = next((folder / f"{last}{suffix}" for suffix in importlib.machinery.EXTENSION_SUFFIXES
                     if (folder / f"{last}{suffix}").is_file()), None)
        spec = importlib.util.spec_from_file_location(name, path) if path is not None else None
        if spec is not None and spec.loader is not None:
            module = importlib.util.module_from_spec(spec)
            sys.modules[name] = module
            try:
                spec.loader.exec_module(module)
            except BaseException:
                del sys.modules[name]
                raise
            return module
    except ImportError:
        pass
    return importlib.import_module(name)
