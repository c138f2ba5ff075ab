#!/usr/bin/python3
"""bench/ml's table: dsk's measurements (bench_ml) against scikit-learn's
(bench_sklearn.py), one row per comparison of the same data and work.

    compare.py DSK.jsonl SKLEARN.jsonl

Where dsk has two ways to do a job, it is reported twice against the same
scikit-learn measurement: "same algorithm" (the SGD's exact per-class
one-vs-all, scikit-learn's own schedule) and "dsk's default" (the joint
pass, a different and faster algorithm). Every dsk entry must have its row
and every row both entries; each row also checks that both sides' models
gave the same answers on their training data (the same algorithm exactly;
the joint pass within 0.01 accuracy), so a row compares the same work.
What fails is printed as ERROR after the table, and the exit status is 1.
A ratio under its target is marked BELOW (timings on this machine move by
up to 1.5x from run to run; it does not fail the run).
"""
import json
import sys

# label, dsk entry, scikit-learn entry, speed target (None: no target),
# detail fields that must agree: name -> None (equal) or a tolerance
ROWS = (
    ("count_vectorizer_bigrams", "count_vectorizer_bigrams", "count_vectorizer_bigrams", 20,
     {"docs": None, "terms": None, "nnz": None}),
    ("sgd_20class_fit (exact per-class OvA, same algorithm)", "sgd_20class_fit_exact_ova",
     "sgd_20class_fit", None,
     {"docs": None, "classes": None, "pred_counts": None, "train_correct": None}),
    ("sgd_20class_fit (dsk joint pass vs sklearn OvA)", "sgd_20class_fit_joint",
     "sgd_20class_fit", 5, {"docs": None, "classes": None, "train_accuracy": 0.01}),
    ("svc_fit_digits_C1", "svc_fit_digits_C1", "svc_fit_digits_C1", 1,
     {"pred_counts": None, "train_correct": None}),
    ("svc_fit_digits_C10", "svc_fit_digits_C10", "svc_fit_digits_C10", 1,
     {"pred_counts": None, "train_correct": None}),
    ("svc_predict", "svc_predict", "svc_predict", 10, {"rows": None, "counts": None}),
)
NO_TARGET = "no target: scikit-learn's algorithm, measured only"


def load(path):
    out = {}
    for line in open(path):
        if line.strip():
            r = json.loads(line)
            out[r["name"]] = r
    return out


def disagreements(label, a, b, fields):
    """The detail fields on which dsk (a) and scikit-learn (b) differ."""
    bad = []
    for field, tol in fields.items():
        x, y = a["detail"].get(field), b["detail"].get(field)
        if x is None or y is None:
            bad.append("%s: %s not reported by %s" % (label, field,
                                                      "dsk" if x is None else "scikit-learn"))
        elif (x != y) if tol is None else abs(x - y) > tol:
            bad.append("%s: %s differs: dsk %s, scikit-learn %s%s" % (
                label, field, x, y, "" if tol is None else " (tolerance %g)" % tol))
    return bad


def agreed(fields):
    """What a row's agreement means, for the table."""
    equal = [f for f, tol in fields.items() if tol is None]
    close = ["%s within %g" % (f, tol) for f, tol in fields.items() if tol is not None]
    return "agree: " + "; ".join(([", ".join(equal) + " equal"] if equal else []) + close)


def main():
    dsk, sk = load(sys.argv[1]), load(sys.argv[2])
    errors = []
    width = max(len(r[0]) for r in ROWS)
    print("%-*s %9s %10s %8s %7s" % (width, "benchmark", "dsk s", "sklearn s", "ratio", "target"))
    for label, ours, theirs, target, fields in ROWS:
        a, b = dsk.get(ours), sk.get(theirs)
        if not a or not b:
            what = " and ".join(w for w, r in (("dsk's %s" % ours, a),
                                              ("scikit-learn's %s" % theirs, b)) if not r)
            errors.append("%s: missing %s" % (label, what))
            print("%-*s %9s %10s %8s %7s  ERROR: missing %s" % (width, label, "-", "-", "-", "-",
                                                                what))
            continue
        ratio = b["seconds"] / a["seconds"] if a["seconds"] > 0 else float("inf")
        bad = disagreements(label, a, b, fields)
        errors += bad
        mark = NO_TARGET if target is None else ("ok" if ratio >= target else "BELOW")
        print("%-*s %9.3f %10.3f %7.2fx %6s  %s%s" % (
            width, label, a["seconds"], b["seconds"], ratio,
            "-" if target is None else "%gx" % target, mark,
            "; answers differ (ERROR)" if bad else "; " + agreed(fields)))
    used_dsk = {r[1] for r in ROWS}
    used_sk = {r[2] for r in ROWS}
    for name in dsk:
        if name not in used_dsk:
            errors.append("dsk's %s: no row compares it with scikit-learn" % name)
    for name in sk:
        if name not in used_sk:
            errors.append("scikit-learn's %s: no row compares it with dsk" % name)
    if errors:
        print()
        for e in errors:
            print("ERROR:", e)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
