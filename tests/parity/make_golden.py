#!/usr/bin/python3
"""Write scikit-learn's answers as compact golden files for dsk's parity suites.

Run from the top of the tree with Debian's Python (scikit-learn 1.2 from
python3-sklearn):

    /usr/bin/python3 tests/parity/make_golden.py [--data-home DIR] [--only NAME]

Each tests/parity/golden_<name>.py module has a main(data_home, out_dir)
that writes golden/<name>*.json. The golden files are committed, so
`make check` compares against them with no Python on the machine.
"""
import argparse
import glob
import importlib.util
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))


def fnv1a(data: bytes, h: int = 0xcbf29ce484222325) -> int:
    """FNV-1a 64-bit: the fingerprint parity_util.c computes too."""
    for b in data:
        h ^= b
        h = (h * 0x100000001b3) & 0xFFFFFFFFFFFFFFFF
    return h


def hexhash(data: bytes) -> str:
    return "%016x" % fnv1a(data)


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--data-home", default=os.environ.get("DSK_DATA_HOME",
                    os.path.join(HERE, "..", "..", "..", "shared", "data")))
    ap.add_argument("--only", help="run golden_<ONLY>.py alone")
    args = ap.parse_args()
    out_dir = os.path.join(HERE, "golden")
    os.makedirs(out_dir, exist_ok=True)
    sys.path.insert(0, HERE)
    for path in sorted(glob.glob(os.path.join(HERE, "golden_*.py"))):
        name = os.path.basename(path)[len("golden_"):-3]
        if args.only and name != args.only:
            continue
        spec = importlib.util.spec_from_file_location("golden_" + name, path)
        mod = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(mod)
        if not hasattr(mod, "main"):
            continue  # a helper module (golden_common.py), not a golden of its own
        print("golden:", name, flush=True)
        mod.main(os.path.abspath(args.data_home), out_dir)


if __name__ == "__main__":
    main()
