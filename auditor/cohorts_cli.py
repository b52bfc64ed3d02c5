"""`python -m auditor cohorts|flags`: cohort statistics and outlier flags as JSON or a table."""

from __future__ import annotations

import argparse
import json
import math
import sys


def _clean(value):
    # JSON has no NaN; pandas hands back NaN/NaT for missing values.
    if isinstance(value, float) and math.isnan(value):
        return None
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if hasattr(value, "item"):
        return value.item()
    return value


def _cohorts(args: argparse.Namespace) -> int:
    from auditor.cohorts import cohort_stats, load_records, method_agreement
    from db.derived import arrhenius_fit_count
    from db.store import connect

    con = connect(args.path, read_only=True)
    try:
        records = load_records(con)
        fits = arrhenius_fit_count(con)
    finally:
        con.close()
    cohorts = cohort_stats(records, family=args.family, property=args.property)
    agreement = [
        a
        for a in method_agreement(records, reference=args.reference)
        if (not args.family or a["family"] == args.family)
        and (not args.property or a["property"] == args.property)
    ]
    if args.json:
        payload = {"cohorts": cohorts, "arrhenius_fits": fits, "method_agreement": agreement}
        print(json.dumps(payload, indent=1))
        return 0
    for c in cohorts:
        ci = c["bias_ci95"] or ["", ""]
        print(
            f"{c['family']:<16} {c['property']:<5} {c['method_label']:<24} n={c['n_records']:<4} "
            f"mat={c['n_materials']:<4} median={c['median']} {c['unit']} "
            f"paired={c['paired_materials']} bias={c['bias_vs_exp']} [{ci[0]}, {ci[1]}] "
            f"mae={c['mae_vs_exp']} rho={c['spearman']}"
        )
    print(f"arrhenius fits: {fits}")
    for a in agreement:
        ci = a["bias_ci95"] or ["", ""]
        print(
            f"same hop vs {a['reference']}: {a['family']:<16} {a['method_label']:<24} "
            f"hops={a['n_hops']:<4} bias={a['bias']} [{ci[0]}, {ci[1]}] mae={a['mae']} "
            f"medae={a['median_abs_error']} rho={a['spearman']} "
            f"off>{a['threshold_ev']}={a['frac_off']}"
        )
    return 0


def _flags(args: argparse.Namespace) -> int:
    from auditor.outliers import flag_table, refresh_flags
    from db.store import connect

    con = connect(args.path)
    try:
        if args.refresh:
            refresh_flags(con, z_threshold=args.z)
        table = flag_table(con, status=args.status, rule=args.rule)
    finally:
        con.close()
    rows = [{k: _clean(v) for k, v in row.items()} for row in table.to_dict("records")]
    if args.json:
        print(json.dumps({"flags": rows, "n": len(rows)}, indent=1))
        return 0
    for r in rows:
        print(f"[{r['status']}] {r['rule']:<14} {r['record_key']}: {r['reason']}")
    print(f"{len(rows)} flags")
    return 0


def main(argv: list[str] | None = None) -> int:
    """Entry point; argv[0] is the command (`cohorts` or `flags`)."""
    argv = list(sys.argv[1:] if argv is None else argv)
    command, rest = (argv[0], argv[1:]) if argv else ("cohorts", [])
    parser = argparse.ArgumentParser(prog=f"python -m auditor {command}")
    parser.add_argument("--json", action="store_true", help="print JSON")
    parser.add_argument("--path", default=None, help="store file (default: $SSE_AUDIT_DB)")
    if command == "flags":
        from core.vocab import FLAG_RULES, FLAG_STATUSES

        parser.add_argument("--status", choices=FLAG_STATUSES)
        parser.add_argument("--rule", choices=FLAG_RULES)
        parser.add_argument("--refresh", action="store_true", help="re-run the rules first")
        parser.add_argument("--z", type=float, default=3.5, help="modified z threshold")
        return _flags(parser.parse_args(rest))
    parser.add_argument("--family", default=None)
    parser.add_argument("--property", choices=("sigma", "Ea", "Em"), default=None)
    parser.add_argument(
        "--reference", default="NEB", help="method label other methods meet on the same hops"
    )
    return _cohorts(parser.parse_args(rest))
