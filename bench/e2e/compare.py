#!/usr/bin/python3
"""bench/e2e's tables: what run.sh left in OUT (dsk's results, bench_dask.py's
lines in ref.jsonl) compared workload by workload.

    compare.py OUT [--noop-workers 1,2,8]

The workloads on 2 workers: wall time on each side, the ratio against its
target, whether the answers agree, the largest worker peak RSS. Scores are
compared candidate by candidate (the params in the same order on both
sides): the 20-category grid within 0.01 (dsk's 20-class SGD is its joint
pass, a different algorithm); every other search exactly, since dsk's
two-class SGD with random_state=0 and its SVC are scikit-learn's bit for
bit. The predict's class counts must be identical, and the 20-category
grid on 4 workers must give the 2-worker scores exactly.

The no-op tasks, for each worker count: throughput (N tasks submitted at
once, every result back: tasks/s from the submission to the last result)
and the round trip of one task (M tasks one at a time: p50 and p99), on
both sides; dsk must have received every result exactly once.

Every row that fails (a score outside its tolerance, a ratio under its
target, an answer that differs, a result missing) is marked FAIL and listed
again at the end; the exit status is then 1.
"""
import argparse
import ast
import json
import os
import re

import numpy as np

# dsk result, reference line, speed target, score tolerance (0: identical)
SEARCHES = (("seed_grid", "seed_grid", 20, 0.0),
            ("news20_grid16", "news20_grid16", 20, 0.01),
            ("digits_svc", "digits_svc_search", 2, 0.0))
PREDICT_TARGET = 10
NOOP_THROUGHPUT_TARGET = 20


class Report:
    def __init__(self, out):
        self.out = out
        self.failures = []

    def fail(self, row, why):
        self.failures.append("%s: %s" % (row, why))

    def json(self, name):
        """OUT/name parsed, or None (the failure recorded by the caller)."""
        try:
            with open(os.path.join(self.out, name)) as f:
                return json.load(f)
        except (OSError, ValueError):
            return None

    def rss(self, name):
        try:
            with open(os.path.join(self.out, name + ".rss")) as f:
                return int(f.read())
        except (OSError, ValueError):
            return 0


def load_ref(path):
    ref = {}
    if os.path.exists(path):
        for line in open(path):
            if line.strip():
                r = json.loads(line)
                ref[r["name"]] = r
    return ref


def params_key(p):
    """A candidate's params comparable across sides: each name after its last '__'
    (dsk's digits job is a one-step pipeline, svc__C; the reference searches SVC, C),
    tuples as lists."""
    def norm(v):
        return [norm(x) for x in v] if isinstance(v, (list, tuple)) else v
    return {k.rsplit("__", 1)[-1]: norm(v) for k, v in p.items()}


def compare_scores(rep, name, res, ref_detail, tol):
    """The answers note for a search, failures recorded."""
    mine = res["cv_results"]["mean_test_score"]
    theirs = ref_detail["mean_test_score"]
    if len(mine) != len(theirs):
        rep.fail(name, "%d candidates on dsk, %d on the reference" % (len(mine), len(theirs)))
        return "candidates differ"
    if "params" in ref_detail:
        ours_p = [params_key(p) for p in res["cv_results"]["params"]]
        theirs_p = [params_key(ast.literal_eval(p)) for p in ref_detail["params"]]
        if ours_p != theirs_p:
            rep.fail(name, "the candidates' params differ or are in another order")
            return "params differ"
    diffs = [abs(a - b) for a, b in zip(mine, theirs)]
    worst = max(diffs)
    if tol == 0:
        bad = sum(d != 0 for d in diffs)
        if bad:
            rep.fail(name, "%d of %d scores differ (largest by %.3g); they must be identical"
                     % (bad, len(diffs), worst))
            return "%d scores differ, max %.3g" % (bad, worst)
        return "every score identical"
    if worst > tol:
        i = diffs.index(worst)
        rep.fail(name, "candidate %d's score differs by %.4f, more than %g (dsk %.6f, ref %.6f)"
                 % (i, worst, tol, mine[i], theirs[i]))
    return "max |score diff| %.4f (<= %g)" % (worst, tol) if worst <= tol else \
        "max |score diff| %.4f > %g" % (worst, tol)


def workloads_table(rep, ref):
    rows = []
    for ours, theirs, target, tol in SEARCHES:
        res, r = rep.json(ours + ".json"), ref.get(theirs)
        if res is None or r is None:
            rep.fail(ours, "no result from %s" % ("dsk" if res is None else "the reference"))
            rows.append((ours, ours, None, None, target, "missing", 0, 0))
            continue
        note = compare_scores(rep, ours, res, r["detail"], tol)
        rows.append((ours, ours, res["client_seconds"]["job"], r["seconds"], target, note,
                     rep.rss(ours), r["detail"]["worker_peak_rss_bytes"]))
    rows.append(predict_row(rep, ref))
    print("%-22s %9s %10s %8s %7s  %-36s %s" % ("workload", "dsk s", "ref s", "ratio", "target",
                                                "answers", "worker peak RSS dsk / ref"))
    for key, name, a, b, t, note, ra, rb in rows:
        if a is None or b is None:
            print("%-22s %9s %10s %8s %6dx FAIL  %-36s" % (name, "-", "-", "-", t, note))
            continue
        ratio = b / a if a > 0 else float("inf")
        if ratio < t:
            rep.fail(key, "ratio %.1fx is under its target %dx" % (ratio, t))
        failed = any(f.startswith(key + ":") for f in rep.failures)
        print("%-22s %9.3f %10.3f %7.1fx %6dx %-5s %-36s %.0f / %.0f MiB" % (
            name, a, b, ratio, t, "FAIL" if failed else "ok", note, ra / 2**20, rb / 2**20))


def predict_row(rep, ref):
    name = "predict"
    path = os.path.join(rep.out, "pred.npy")
    r = ref.get("predict")
    if not os.path.exists(path) or r is None:
        rep.fail(name, "no predictions from %s" % ("dsk" if r else "the reference"))
        return (name, name, None, None, PREDICT_TARGET, "missing", 0, 0)
    try:
        err = open(os.path.join(rep.out, "predict.err")).read()
    except OSError:
        err = ""
    m = re.search(r"the job ([0-9.]+) s", err)
    pred = np.load(path)
    counts = np.bincount(pred, minlength=10).tolist()
    same = counts == r["detail"]["counts"] and len(pred) == r["detail"]["rows"]
    if not same:
        rep.fail(name, "class counts differ: dsk %s, ref %s" % (counts, r["detail"]["counts"]))
    if not m:
        rep.fail(name, "dsk's predict did not report its time")
    return (name, "predict %d rows" % len(pred), float(m.group(1)) if m else None, r["seconds"],
            PREDICT_TARGET, "class counts identical: %s" % same, rep.rss("predict"),
            r["detail"]["worker_peak_rss_bytes"])


def four_workers(rep):
    a, b = rep.json("news20_grid16.json"), rep.json("news20_grid16_4w.json")
    if a is None or b is None:
        rep.fail("news20_grid16 on 4 workers", "no result")
        print("news20_grid16 on 4 workers x 1 thread: FAIL, no result")
        return
    cols = [k for k in a["cv_results"] if k.startswith("split") or k in
            ("mean_test_score", "std_test_score", "rank_test_score", "params")]
    same = all(a["cv_results"][k] == b["cv_results"].get(k) for k in cols)
    if not same:
        rep.fail("news20_grid16 on 4 workers", "scores differ from the 2-worker run")
    print("news20_grid16 on 4 workers x 1 thread: %.2f s (2 cores: not a speed figure); "
          "scores identical to 2 workers: %s%s" % (b["client_seconds"]["job"], same,
                                                   "" if same else "  FAIL"))


def noop_checks(rep, row, tp, lat, n_workers):
    """dsk's noop outputs: every result exactly once, the scheduler's books agree."""
    if tp is None or lat is None:
        rep.fail(row, "dsk's noop printed no result")
        return False
    ok = True
    for what, o in (("at once", tp), ("one at a time", lat)):
        if o["received"] != o["tasks"] or o.get("missing") or o.get("repeated") or o.get("stray"):
            rep.fail(row, "dsk %s: %d of %d results, %d repeated, %d stray" % (
                what, o["received"], o["tasks"], o.get("repeated", 0), o.get("stray", 0)))
            ok = False
    workers = tp.get("scheduler", {}).get("stats", {}).get("workers", {})
    done = sum(w["tasks"] for w in workers.values())
    if done != tp["tasks"]:
        rep.fail(row, "the scheduler's workers did %d tasks, not %d" % (done, tp["tasks"]))
        ok = False
    return ok


def noop_table(rep, ref, worker_counts):
    print()
    n = next((rep.json("noop_w%d.json" % k) or {} for k in worker_counts), {}).get("tasks", "N")
    m = next((rep.json("noop_lat_w%d.json" % k) or {} for k in worker_counts), {}).get("tasks",
                                                                                      "M")
    print("no-op tasks, workers of 1 thread each: throughput = %s tasks submitted at once, every "
          "result back (tasks/s, submission to last result); round trip = %s tasks one at a "
          "time, submission to result (ms; no target)" % (n, m))
    print("%-7s %11s %11s %7s %6s %-5s | %8s %8s %6s | %8s %8s %6s | %s" % (
        "workers", "dsk tasks/s", "ref tasks/s", "ratio", "target", "", "dsk p50", "ref p50",
        "ratio", "dsk p99", "ref p99", "ratio", "worker peak RSS dsk / ref"))
    for k in worker_counts:
        row = "noop %d worker%s" % (k, "" if k == 1 else "s")
        tp, lat = rep.json("noop_w%d.json" % k), rep.json("noop_lat_w%d.json" % k)
        r = ref.get("noop_w%d" % k)
        if r is None:
            rep.fail(row, "no reference result")
        ok = noop_checks(rep, row, tp, lat, k)
        if r is None or tp is None or lat is None:
            print("%-7d FAIL: %s" % (k, "missing results"))
            continue
        rd = r["detail"]
        if rd["received"] != rd["tasks"]:
            rep.fail(row, "the reference gathered %d of %d" % (rd["received"], rd["tasks"]))
            ok = False
        ratio = tp["tasks_per_second"] / rd["tasks_per_second"]
        if ratio < NOOP_THROUGHPUT_TARGET:
            rep.fail(row, "throughput ratio %.1fx is under its target %dx"
                     % (ratio, NOOP_THROUGHPUT_TARGET))
            ok = False
        dl, rl = lat["latency_ms"], rd["latency_ms"]
        print("%-7d %11.0f %11.0f %6.1fx %5dx %-5s | %8.3f %8.3f %5.1fx | %8.3f %8.3f %5.1fx | "
              "%.0f / %.0f MiB" % (
                  k, tp["tasks_per_second"], rd["tasks_per_second"], ratio,
                  NOOP_THROUGHPUT_TARGET, "ok" if ok else "FAIL", dl["p50"], rl["p50"],
                  rl["p50"] / dl["p50"], dl["p99"], rl["p99"], rl["p99"] / dl["p99"],
                  rep.rss("noop_w%d" % k) / 2**20, rd["worker_peak_rss_bytes"] / 2**20))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("out")
    ap.add_argument("--noop-workers", default="1,2,8")
    args = ap.parse_args()
    rep = Report(args.out)
    ref = load_ref(os.path.join(args.out, "ref.jsonl"))
    if not ref:
        rep.fail("reference", "bench_dask.py gave no results")
    workloads_table(rep, ref)
    four_workers(rep)
    noop_table(rep, ref, [int(k) for k in args.noop_workers.split(",") if k])
    try:
        for line in open(os.path.join(args.out, "dsk_failed")):
            rep.fail("dsk", line.strip())
    except OSError:
        pass
    if rep.failures:
        print("\nbench/e2e FAILED:")
        for f in rep.failures:
            print("  FAIL " + f)
        return 1
    print("\nbench/e2e: every answer within its tolerance, every ratio at its target")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
