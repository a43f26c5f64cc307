"""Every module of the packages whose modules register themselves (the Device families, the
transforms, the GBCS codecs) imports on its own, first, in a fresh interpreter state.

A user (or a tool, a test) importing ``opendcc.devices.config_aux`` before anything else must
not meet a circular import that the usual import order happens to hide.
"""

from __future__ import annotations

import subprocess
import sys

_CHECK = r"""
import importlib, pkgutil, sys
import opendcc
packages = sys.argv[1:]
names = []
for package in packages:
    module = importlib.import_module(package)
    names += [m.name for m in pkgutil.walk_packages(module.__path__, package + ".")]
failed = []
for name in names:
    for key in [k for k in sys.modules if k == "opendcc" or k.startswith("opendcc.")]:
        del sys.modules[key]
    try:
        importlib.import_module(name)
    except Exception as exc:
        failed.append(f"{name}: {type(exc).__name__}: {exc}")
print(len(names))
print("\n".join(failed))
"""


def test_each_module_imports_first() -> None:
    packages = ["opendcc.devices", "opendcc.transform", "opendcc.gbcs", "opendcc.hub"]
    done = subprocess.run(
        [sys.executable, "-c", _CHECK, *packages],
        capture_output=True,
        text=True,
        timeout=600,
        check=True,
    )
    count, *failed = done.stdout.strip().split("\n")
    assert int(count) > 150
    assert [line for line in failed if line] == []
