"""Flag triage on the Outliers page: groups, priority, one-note bulk reviews that survive rebuilds."""

from __future__ import annotations

from auditor.triage import review_group
from db.connection import connect, transaction
from db.flags import list_flags, review_flags
from pipeline.build import build_store
from tests.views.conftest import open_page, param

OUTLIERS = "views/outliers.py"
# The page's reviews are written to, and read back from, a DuckDB file and a team store alike.
STORE_MODES = ("embedded", "team")


def _flags(location, **kwargs):
    # A fresh read (the app closes its connections after each batch, so nothing holds it).
    con = connect(location, read_only=True, on_wait=None)
    try:
        return list_flags(con, **kwargs)
    finally:
        con.close()


def _open_triage(app_at):
    at = open_page(app_at, OUTLIERS)
    assert at.subheader[0].value.startswith("Triage")
    return at


def test_groups_count_the_open_flags_and_experimental_groups_come_first(app_at, store_copy):
    at = _open_triage(app_at)
    groups = at.dataframe[0].value
    open_flags = _flags(store_copy, status="open")
    assert groups["flags"].sum() == len(open_flags)
    expected = open_flags.assign(cohort=open_flags["cohort"].fillna("(none)"))
    expected = expected.groupby(["cohort", "rule"]).size()
    for g in groups.itertuples():
        assert expected[(g.cohort, g.rule)] == g.flags
    has_exp = list(groups["experimental"] > 0)
    assert has_exp == sorted(has_exp, reverse=True), "experimental groups first"


def test_picking_another_group_changes_the_flags_shown(app_at):
    at = _open_triage(app_at)
    first = at.dataframe[1].value
    options = at.selectbox(key="triage_group").options
    at.selectbox(key="triage_group").select_index(len(options) - 1).run()
    assert not at.exception
    assert param(at, "group") == at.selectbox(key="triage_group").value
    assert set(at.dataframe[1].value["record_key"]) != set(first["record_key"])


def test_a_group_is_dismissed_with_one_note_kept_on_each_flag(app_at, store_copy):
    at = _open_triage(app_at)
    group = at.selectbox(key="triage_group").value
    members = set(at.dataframe[1].value["record_key"])
    cohort, rule = group.rsplit("|", 1)
    at.text_area(key="bulk_note").input("")
    submit = [b for b in at.get("button") if b.proto.label.startswith("Apply to all")]
    submit[0].click().run()
    assert at.error and "note" in at.error[0].value.lower()
    assert set(_flags(store_copy, status="dismissed")["record_key"]) & members == set()

    at.text_area(key="bulk_note").input("unrelaxed MLIP barrier, not a physical value")
    submit = [b for b in at.get("button") if b.proto.label.startswith("Apply to all")]
    submit[0].click().run()
    assert not at.exception
    assert at.success and at.success[0].value.startswith(f"{len(members)} flags dismissed")
    reviewed = _flags(store_copy, status="dismissed", rule=rule)
    reviewed = reviewed[reviewed["record_key"].isin(members)]
    assert len(reviewed) == len(members) and set(reviewed["cohort"]) == {cohort}
    assert set(reviewed["note"]) == {"unrelaxed MLIP barrier, not a physical value"}
    assert reviewed["reviewed_at"].notna().all()


def test_a_bulk_review_survives_a_rebuild(file_copy):
    # On the file only: a team rebuild costs ~30 s more, and the team store's rebuild keeping
    # flag reviews is tests/db/test_team_store.py's (a review landing while it publishes).
    con = connect(file_copy, on_wait=None)
    try:
        flags = list_flags(con, status="open")
        members = flags[flags["cohort"] == flags["cohort"].dropna().iloc[0]]
        rule = members["rule"].iloc[0]
        members = members[members["rule"] == rule]
        with transaction(con):
            n = review_group(
                con, members, status="dismissed", note="one note for all", reviewer="t"
            )
    finally:
        con.close()
    assert n == len(members) > 0
    build_store(file_copy, progress=lambda f, m: None)
    after = _flags(file_copy, rule=rule, include_inactive=True)
    after = after[after["record_key"].isin(set(members["record_key"]))]
    assert len(after) == len(members)
    assert set(after["status"]) == {"dismissed"}
    assert set(after["note"]) == {"one note for all"} and set(after["reviewer"]) == {"t"}


def test_bulk_review_is_one_statement_over_named_flags_only(store_copy):
    con = connect(store_copy, on_wait=None)
    try:
        flags = list_flags(con, status="open")
        keys = list(zip(flags["record_key"][:3], flags["rule"][:3], strict=True))
        with transaction(con):
            n = review_flags(
                con, [*keys, ("no-such-record", "modified-z")], status="confirmed", note="ok"
            )
    finally:
        con.close()
    assert n == 3
    after = _flags(store_copy, status="confirmed")  # read back through a new connection
    assert set(zip(after["record_key"], after["rule"], strict=True)) == set(keys)
