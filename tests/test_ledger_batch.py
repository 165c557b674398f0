"""The ledger's campaign-wide reads give what its per-cluster reads give, in a few queries."""

from __future__ import annotations

from excelcert.base.ledger import Ledger, NewSubmission, StoredAnswer, StoredProblem


def _new(n: int, cluster: str | None, role: str | None, verdict: str, saved: str | None, reviewer: str | None = None):
    new = NewSubmission(f"{n:064x}", f"file{n}.xlsx", 100, verdict, "why", cluster, role, "1", "en", saved)
    new.reviewer_id = reviewer
    new.answers = [StoredAnswer(f"I{k}", k * n, {"n": n, "k": k}, "S", f"B{k}", "", "") for k in (3, 1, 2)]
    new.problems = [StoredProblem("warning", f"code-{n}-{k}", "S", "A1", None, [n, k], "m") for k in (2, 1)]
    return new


def test_counting_answers_and_problems_match_the_per_cluster_reads(tmp_path):
    ledger = Ledger(f"sqlite:///{tmp_path / 'ledger.sqlite'}")
    rows = [
        ("A", "self-assessment", "accepted", "2026-01-02T10:00:00"),
        ("A", "self-assessment", "accepted", "2026-01-01T10:00:00"),  # older, imported later
        ("A", "self-assessment", "rejected", "2026-03-01T10:00:00"),  # rejected never counts
        ("B", "self-assessment", "accepted with problems", None),
        ("B", "self-assessment", "accepted", "2026-01-01T10:00:00"),  # a known save time wins
        ("C", "self-assessment", "rejected", "2026-01-01T10:00:00"),
        ("D", "self-assessment", "accepted", "2026-01-01T10:00:00"),
        ("D", "self-assessment", "accepted", "2026-01-01T10:00:00"),  # the same time: the later import
        (None, None, "rejected", None),
    ]
    for n, (cluster, role, verdict, saved) in enumerate(rows, start=1):
        ledger.record_submission(_new(n, cluster, role, verdict, saved))
    reviews = [("A", "r2", "2026-02-01T00:00:00"), ("A", "r1", "2026-02-02T00:00:00"), ("A", "r1", "2026-02-03")]
    reviews += [("B", "r1", None), ("B", None, "2026-02-01T00:00:00")]
    for n, (cluster, reviewer, saved) in enumerate(reviews, start=100):
        ledger.record_submission(_new(n, cluster, "review", "accepted", saved, reviewer))

    clusters = ["A", "B", "C", "D", "E"]
    expected = [s for c in clusters if (s := ledger.current(c, "self-assessment")) is not None]
    assert ledger.counting("self-assessment") == expected
    assert [s.original_name for s in expected] == ["file1.xlsx", "file5.xlsx", "file8.xlsx"]
    assert ledger.counting("review") == [s for c in clusters for s in ledger.current_reviews(c)]
    assert {s.original_name for s in ledger.counting("review")} == {"file100.xlsx", "file102.xlsx"} | {
        "file103.xlsx",
        "file104.xlsx",
    }
    # a block of clusters: what counts of those clusters only, as the whole campaign's read gives it
    for block in (["A"], ["B", "E", "C"], ["D", "A"], []):
        for role in ("self-assessment", "review"):
            assert ledger.counting(role, block) == [s for s in ledger.counting(role) if s.cluster_id in block]
    # the clusters' own files: self-assessments and files of no role, never reviews
    assert ledger.all_submissions(own=True) == [s for s in ledger.all_submissions() if s.role != "review"]

    ids = [s.id for s in ledger.all_submissions()]
    answers, problems = ledger.answers_of(ids), ledger.problems_of(ids)
    assert answers == {i: ledger.answers(i) for i in ids if ledger.answers(i)}
    assert problems == {i: ledger.problems(i) for i in ids}
    assert [a.indicator_id for a in answers[ids[0]]] == ["I3", "I1", "I2"]  # as stored
    assert answers[ids[1]][0].value == {"n": 2, "k": 3} and problems[ids[1]][0].raw == [2, 2]
    assert ledger.answers_of([]) == {} and ledger.problems_of([ids[0]]) == {ids[0]: ledger.problems(ids[0])}
    ledger.close()
