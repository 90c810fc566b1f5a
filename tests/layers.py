#!/usr/bin/python3
"""The layering rule of docs/architecture.md, checked on the sources.

Every module may include its own headers and those of the modules below
it, never one above it or beside it:

    common < zones < dnssec, mdns < gateway/config, gateway/reverse < gateway/journal
    < gateway/zonemgr < gateway/query < gateway/xfr < gateway/push < gateway/server
    < gateway/system < gateway/control < gateway/http
    < gateway (daemon.c, main.c), gateway/ctl

dnssec/ and mdns/ stand side by side: neither includes the other; so do
gateway/config/ and gateway/reverse/. A
violation is printed as FILE:LINE and the test fails; the CMake libraries
enforce the same at link time, this catches a header-only dependency too.
"""

import os
import re
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# module -> (rank, modules of the same rank it may not include)
LAYERS = [
    ("common", 0),
    ("zones", 1),
    ("dnssec", 2),
    ("mdns", 2),
    ("gateway/config", 3),
    ("gateway/reverse", 3),
    ("gateway/journal", 4),
    ("gateway/zonemgr", 5),
    ("gateway/query", 6),
    ("gateway/xfr", 7),
    ("gateway/push", 8),
    ("gateway/server", 9),
    ("gateway/system", 10),
    ("gateway/control", 11),
    ("gateway/http", 12),
    ("gateway", 13),
    ("gateway/ctl", 13),
]
RANK = dict(LAYERS)
INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"')


def module_of(path):
    """The module a repository-relative path belongs to (longest match)."""
    best = None
    for name, _ in LAYERS:
        if path.startswith(name + "/") and (best is None or len(name) > len(best)):
            best = name
    return best


def main():
    bad = 0
    for name, _ in LAYERS:
        top = os.path.join(ROOT, name)
        if not os.path.isdir(top):
            continue
        for entry in sorted(os.listdir(top)):
            if not entry.endswith((".c", ".h")):
                continue
            rel = f"{name}/{entry}"
            with open(os.path.join(top, entry)) as f:
                for no, line in enumerate(f, 1):
                    m = INCLUDE.match(line)
                    if not m or "/" not in m.group(1):
                        continue
                    target = module_of(m.group(1))
                    if target is None or target == name:
                        continue
                    if RANK[target] >= RANK[name]:
                        print(f"{rel}:{no}: includes {m.group(1)}, "
                              f"which is {'beside' if RANK[target] == RANK[name] else 'above'}"
                              f" {name}/")
                        bad += 1
    checked = sum(1 for n, _ in LAYERS if os.path.isdir(os.path.join(ROOT, n))
                  for e in os.listdir(os.path.join(ROOT, n)) if e.endswith((".c", ".h")))
    print(f"layers: {checked} files checked, {bad} includes against the layering")
    print(f"{1 if bad == 0 else 0} passed, {1 if bad else 0} failed")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
