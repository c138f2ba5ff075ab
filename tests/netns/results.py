"""results.py — the job files and result checks the namespace tests share.

  python3 results.py seed SRC DST        SRC's job with SGDClassifier(random_state=0)
                                         written to DST (so that two runs can be compared)
  python3 results.py same A B WHAT REF   A and B, two search results, have the same
                                         best_score, best_index, candidates and every
                                         split's and mean test score, exactly; prints
                                         one line, or exits 1 naming what differs

Used by tests/check_netns.sh, tests/check_slurm.sh and tests/check_image.sh.
"""
import json
import re
import sys


def seed(src, dst):
    job = json.load(open(src))
    [clf] = [s for s in job["pipeline"] if s[1] == "SGDClassifier"]
    clf[2]["random_state"] = 0
    json.dump(job, open(dst, "w"))


def same(a_path, b_path, what, ref):
    a, b = (json.load(open(p)) for p in (a_path, b_path))
    bad = [k for k in ("best_score", "best_index", "n_candidates") if a[k] != b[k]]
    bad += [k for k in a["cv_results"]
            if re.fullmatch(r"(split\d+|mean)_test_score", k)
            and a["cv_results"][k] != b["cv_results"].get(k)]
    if bad:
        sys.exit("%s: differs from %s in %s" % (what, ref, ", ".join(bad)))
    print("%s: best_score %r and the %d candidates' test scores as %s"
          % (what, a["best_score"], a["n_candidates"], ref))


if __name__ == "__main__":
    if sys.argv[1:2] == ["seed"] and len(sys.argv) == 4:
        seed(*sys.argv[2:])
    elif sys.argv[1:2] == ["same"] and len(sys.argv) == 6:
        same(*sys.argv[2:])
    else:
        sys.exit(__doc__)
