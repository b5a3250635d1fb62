#!/usr/bin/env python3
"""The dependency rule between folders (ARCHITECTURE.md, "Dependencies"), checked on the
sources: every `#include "folder/..."` in a folder's code must name a folder it may depend on,
and only db/lmdb/ (and the benchmarks that measure LMDB itself) include <lmdb.h>. CMake's links
keep a library from calling what it does not link; this keeps its headers out too, which links
alone do not (a header-only use compiles without the library).

Tests (*_test.cc) may also use db/testing/. Exits non-zero listing every violation."""
import os
import re
import sys

# folder -> folders its code may include from (itself always).
ALLOWED = {
    "db/item": [],
    "db": ["db/item"],
    "db/lmdb": ["db", "db/item"],
    "db/testing": ["db", "db/item"],
    "query": ["db/item"],
    "server/wire": ["db/item"],
    "streams": ["db", "db/item", "server/wire"],
    "server/ops": ["server", "db", "db/item", "query", "server/wire", "streams"],
    "server": ["server/ops", "db", "db/item", "query", "server/wire", "streams"],
    "tools": ["db", "db/item", "server/wire", "streams"],
}
LMDB_ALLOWED = ("db/lmdb/", "benchmarks/")
INCLUDE = re.compile(r'^\s*#\s*include\s*([<"])([^>"]+)[>"]', re.M)


def folder_of(path):
    """The most specific folder of ALLOWED containing `path` (relative, '/'-separated)."""
    parts = path.split("/")[:-1]
    while parts:
        f = "/".join(parts)
        if f in ALLOWED:
            return f
        parts.pop()
    return None


def main(root):
    problems = []
    for top in ["db", "query", "server", "streams", "tools", "benchmarks", "tests"]:
        for dirpath, _, files in os.walk(os.path.join(root, top)):
            for name in files:
                if not name.endswith((".h", ".cc")):
                    continue
                path = os.path.relpath(os.path.join(dirpath, name), root).replace(os.sep, "/")
                text = open(os.path.join(root, path), encoding="utf-8").read()
                folder = folder_of(path)
                is_test = name.endswith("_test.cc")
                for kind, target in INCLUDE.findall(text):
                    if kind == "<":
                        if target == "lmdb.h" and not path.startswith(LMDB_ALLOWED):
                            problems.append("%s includes <lmdb.h>: only db/lmdb/ may" % path)
                        continue
                    if folder is None:
                        continue  # benchmarks/, tests/: programs over everything
                    target_folder = folder_of(target)
                    if target_folder is None or target_folder == folder:
                        continue
                    if target_folder in ALLOWED[folder]:
                        continue
                    if is_test and target_folder == "db/testing":
                        continue
                    problems.append('%s (%s) includes "%s" (%s), which it may not depend on'
                                    % (path, folder, target, target_folder))
    for p in problems:
        print(p)
    if problems:
        print("%d layering violation(s); the rule is in ARCHITECTURE.md" % len(problems))
        return 1
    print("layering: every include follows the dependency rule")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else
                  os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))))
