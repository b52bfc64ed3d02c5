"""`sse-audit cohorts|flags`: cohort statistics and outlier flags as JSON or a table."""

from __future__ import annotations

import argparse

from auditor.cohorts import cohort_stats, method_agreement
from auditor.outliers import Z_THRESHOLD, refresh_flags
from core.vocab import FLAG_RULES, FLAG_STATUSES, PROPERTIES
from db.arrhenius_fits import arrhenius_fit_count
from db.connection import connect
from db.flags import list_flags
from sse_audit.jsonout import dumps, plain

PATH_HELP = "store file (default: $SSE_AUDIT_DB or var/sse_audit.duckdb)"


def add_parsers(sub: argparse._SubParsersAction) -> None:
    """Register cohorts and flags."""
    p = sub.add_parser("cohorts", help="cohort statistics: bias, CI, MAE, rank correlation")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.add_argument("--path", help=PATH_HELP)
    p.add_argument("--family", default=None)
    p.add_argument("--property", choices=PROPERTIES, default=None)
    p.add_argument(
        "--reference", default="NEB", help="method label other methods meet on the same hops"
    )
    p.set_defaults(run=cohorts)
    p = sub.add_parser("flags", help="outlier flags with rule, score, reason, status")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.add_argument("--path", help=PATH_HELP)
    p.add_argument("--status", choices=FLAG_STATUSES)
    p.add_argument("--rule", choices=FLAG_RULES)
    p.add_argument("--refresh", action="store_true", help="re-run the rules first")
    p.add_argument("--z", type=float, default=Z_THRESHOLD, help="modified z threshold")
    p.set_defaults(run=flags)


def cohorts(args: argparse.Namespace) -> int:
    con = connect(args.path, read_only=True)
    try:
        fits = arrhenius_fit_count(con)
        stats = cohort_stats(con, family=args.family, property=args.property)
        agreement = [
            a
            for a in method_agreement(con, reference=args.reference)
            if (not args.family or a["family"] == args.family)
            and (not args.property or a["property"] == args.property)
        ]
    finally:
        con.close()
    if args.json:
        payload = {"cohorts": stats, "arrhenius_fits": fits, "method_agreement": agreement}
        print(dumps(payload, indent=1))
        return 0
    for c in stats:
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


def flags(args: argparse.Namespace) -> int:
    con = connect(args.path, read_only=not args.refresh)
    try:
        if args.refresh:
            refresh_flags(con, z_threshold=args.z)
        table = list_flags(con, status=args.status, rule=args.rule)
    finally:
        con.close()
    rows = [plain(row) for row in table.to_dict("records")]
    if args.json:
        print(dumps({"flags": rows, "n": len(rows)}, indent=1))
        return 0
    for r in rows:
        print(f"[{r['status']}] {r['rule']:<14} {r['record_key']}: {r['reason']}")
    print(f"{len(rows)} flags")
    return 0
