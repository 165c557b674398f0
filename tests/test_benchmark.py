"""Benchmarking against peers: the peer table, the groups, suppression below k (no single
cluster's value can be worked out from what is published), percentiles and positions."""

from __future__ import annotations

import json
import statistics
from itertools import permutations

import numpy as np
import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from excelcert.benchmark.peers import TOTAL, peer_table
from excelcert.benchmark.stats import BOTTOM, MIDDLE, TOP, Figures, benchmark, position
from excelcert.cli import cli
from excelcert.register.store import MIGRATIONS, Assessment, Draft, RegisterStore
from excelcert.scheme import load_scheme

SCHEME = load_scheme(None)
INDICATORS = [i.id for i in SCHEME.indicators]


def assessment(cluster, share, *, sector="ICT", country="DE", label=None, campaign="c1", assessed="2026-01", **kw):
    """An assessment whose every indicator earns `share` of its maximum points."""
    points = {i.id: round(i.max_points * share, 2) for i in SCHEME.indicators}
    points.update(kw.pop("points", {}))
    rank = SCHEME.label(label).order if label else 0
    return Assessment(
        campaign_id=campaign,
        cluster_id=cluster,
        name=cluster,
        country=country,
        sector=sector,
        assessed=assessed,
        scheme_id=kw.pop("scheme_id", SCHEME.id),
        scheme_version=SCHEME.version,
        label=label,
        label_rank=rank,
        points=sum(points.values()),
        max_points=SCHEME.total_points,
        indicator_points=points,
    )


def published(found):
    """What a report may show: per shown group, its member count and its figures."""
    return {g.key: (g.members, g.figures) for g in found.groups if g.shown}


# --- the peer table ---------------------------------------------------------------------


def test_each_cluster_counts_once_with_its_latest_assessment():
    history = [
        assessment("A", 0.2, campaign="c0", assessed="2024-05"),
        assessment("A", 0.4, campaign="c1", assessed="2025-05"),
        assessment("B", 0.5, campaign="c1", assessed="2025-05"),
        assessment("X", 0.9, scheme_id="another-scheme"),  # not comparable: left out
    ]
    current = [assessment("A", 0.8, campaign="now", assessed="2026-06")]
    peers = peer_table(SCHEME, history, current)
    assert sorted(peers.table.index) == ["A", "B"]
    assert peers.table.loc["A", "campaign_id"] == "now"
    assert peers.table.loc["A", TOTAL] == pytest.approx(80, abs=0.5)
    assert peers.current == ["A"]
    assert peers.campaigns == 2
    category = SCHEME.categories[0].id
    assert peers.table.loc["B", category] == pytest.approx(50, abs=0.5)


def test_an_indicator_a_peer_did_not_have_is_missing_not_zero():
    older = assessment("OLD", 0.5)
    del older.indicator_points[INDICATORS[0]]
    peers = peer_table(SCHEME, [older], [])
    assert np.isnan(peers.table.loc["OLD", INDICATORS[0]])
    assert peers.table.loc["OLD", INDICATORS[1]] > 0


# --- groups and suppression ---------------------------------------------------------------


def test_a_group_under_k_members_is_not_shown():
    rows = [assessment(f"S{n}", 0.1 * n, sector="Space") for n in range(4)]
    rows += [assessment(f"W{n}", 0.1 * n, sector="Wood", country="FR") for n in range(6)]
    rows += [assessment("O", 0.9, sector="", country="AT")]  # no sector: in no sector group
    found = benchmark(SCHEME, peer_table(SCHEME, rows, []), k=5)
    space, wood = found.group("sector:Space"), found.group("sector:Wood")
    assert not space.shown and space.why == "fewer than 5 members" and not space.figures
    assert wood.shown and wood.members == 6 and wood.figures[TOTAL].median == pytest.approx(25, abs=0.5)
    assert "members" not in space.to_json() and "figures" not in space.to_json()
    assert [g.key for g in found.groups if g.kind == "sector"] == ["sector:Space", "sector:Wood"]
    # k is the campaign's: with 4, the space sector is shown
    assert benchmark(SCHEME, peer_table(SCHEME, rows, []), k=4).group("sector:Space").shown


def test_the_median_of_a_group_and_of_that_group_plus_one_gives_the_one_away():
    """Why complementary suppression is needed: from the medians of 5 values and of the same 5
    with one more (between the 3rd and the 4th), the sixth value is exact."""
    five, secret = [10.0, 20.0, 30.0, 40.0, 50.0], 37.0
    with_it = statistics.median([*five, secret])
    assert 2 * with_it - statistics.median(five) == secret


def test_a_group_that_differs_from_everyone_by_fewer_than_k_is_not_shown():
    # the ICT sector holds every peer but one: its figures and everyone's would give that one away
    rows = [assessment(f"I{n}", 0.1 + 0.1 * n, sector="ICT", country="DE") for n in range(6)]
    rows.append(assessment("LONE", 0.37, sector="Space", country="DE"))
    found = benchmark(SCHEME, peer_table(SCHEME, rows, []), k=5)
    assert found.group("everyone").shown
    ict = found.group("sector:ICT")
    assert not ict.shown and "differs from the group everyone by 1 member" in ict.why
    # the DE group holds them all: it says nothing everyone does not, so it may be shown
    assert found.group("country:DE").shown and found.group("country:DE").members == 7
    assert not found.group("sector:Space").shown


def test_a_measure_that_differs_by_fewer_than_k_values_is_not_shown():
    # two peers lack an indicator (an older scheme): everyone has 13 values of it, the sector A
    # (all of whose 10 have it) would differ from everyone by 3 values on that measure
    rows = [assessment(f"A{n}", 0.05 * n, sector="A") for n in range(10)]
    rows += [assessment(f"B{n}", 0.1 * n, sector="B") for n in range(5)]
    missing = INDICATORS[3]
    for row in rows[10:12]:
        del row.indicator_points[missing]
    found = benchmark(SCHEME, peer_table(SCHEME, rows, []), k=5)
    everyone, a, b = found.group("everyone"), found.group("sector:A"), found.group("sector:B")
    assert everyone.shown and a.shown and b.shown
    assert everyone.figures[missing].n == 13
    assert missing not in a.figures and missing not in b.figures  # 3 values of B: too few either way
    assert a.figures[INDICATORS[4]].n == 10 and everyone.figures[INDICATORS[4]].n == 15


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(st.sampled_from("ABC"), st.sampled_from(["DE", "FR", "AT"]), st.integers(0, 10), st.booleans()),
        min_size=1,
        max_size=40,
    ),
    st.integers(2, 6),
)
def test_no_two_published_groups_can_be_differenced_down_to_fewer_than_k(rows, k):
    """Whatever the peers, every group shown has at least k members with a value on every
    measure it shows, and any two shown groups one inside the other are the same or differ
    by at least k clusters on every measure both show: nothing published narrows down to
    fewer than k clusters."""
    peers = [
        assessment(f"P{n}", share / 10, sector=sector, country=country, label="gold" if gold else None)
        for n, (sector, country, share, gold) in enumerate(rows)
    ]
    for n, row in enumerate(peers):  # some peers lack an indicator, as under an older scheme
        if n % 3 == 0:
            del row.indicator_points[INDICATORS[0]]
    history, current = peers[::2], peers[1::2]  # half of them this campaign's: a group the report publishes
    found = benchmark(SCHEME, peer_table(SCHEME, history, current), k=k)
    table = peer_table(SCHEME, history, current).table
    members = {}
    for g in found.groups:
        if not g.shown:
            continue
        if g.kind == "everyone":
            mask = np.ones(len(table), dtype=bool)
        elif g.kind == "campaign":
            mask = table.index.isin([a.cluster_id for a in current])
        elif g.kind == "excellence":
            continue  # checked below against everyone
        else:
            mask = (table[g.kind] == g.name).to_numpy()
        members[g.key] = mask
        for measure, figures in g.figures.items():
            assert figures.n >= k
            assert figures.n == int((mask & table[measure].notna().to_numpy()).sum())
    for a, b in permutations(members, 2):
        inner, outer = members[a], members[b]
        if (inner & ~outer).any():
            continue
        assert int(outer.sum() - inner.sum()) in {0} | set(range(k, 10_000)), (a, b)
        for measure in set(found.group(a).figures) & set(found.group(b).figures):
            apart = found.group(b).figures[measure].n - found.group(a).figures[measure].n
            assert apart == 0 or apart >= k, (a, b, measure)
    excellence = found.group("excellence")
    if excellence.shown:
        rest = found.group("everyone").members - excellence.members
        assert rest == 0 or rest >= k


def test_the_campaigns_own_clusters_are_a_group_hidden_when_too_close_to_everyone():
    current = [assessment(f"C{n}", n / 10, campaign="now") for n in range(6)]
    for history, shown in ((0, True), (2, False), (5, True)):
        rows = [assessment(f"H{n}", 0.5, campaign="before") for n in range(history)]
        own = benchmark(SCHEME, peer_table(SCHEME, rows, current), k=5).group("campaign")
        assert own is not None and own.shown == shown, history
        assert own.members == 6
        if not shown:
            assert "differs from the group everyone by 2 members" in own.why
    assert benchmark(SCHEME, peer_table(SCHEME, current, []), k=5).group("campaign") is None  # no campaign


def test_the_excellence_group_holds_the_top_label_or_else_the_top_decile():
    rows = [assessment(f"G{n}", 0.9, label="gold") for n in range(5)]
    rows += [assessment(f"P{n}", n / 50) for n in range(45)]
    found = benchmark(SCHEME, peer_table(SCHEME, rows, []), k=5)
    assert found.excellence == "label:gold" and found.group("excellence").members == 5
    # only three gold holders: the top decile by total (5 of 50) instead
    for n in range(3, 5):
        rows[n] = assessment(f"G{n}", 0.9)
    found = benchmark(SCHEME, peer_table(SCHEME, rows, []), k=5)
    assert found.excellence == "top-decile" and found.group("excellence").members == 5


# --- where a cluster stands --------------------------------------------------------------------


def test_percentile_and_position_of_a_cluster_in_its_groups():
    rows = [assessment(f"P{n}", n / 10, sector="ICT") for n in range(10)]
    current = [assessment("ME", 0.85, sector="ICT", campaign="now")]
    found = benchmark(SCHEME, peer_table(SCHEME, rows, current), k=5)
    me = found.cluster("ME")
    assert [c.cluster_id for c in found.clusters] == ["ME"]
    assert me.reference == "sector:ICT"
    total = me.standings[TOTAL]
    assert total.value == pytest.approx(85, abs=0.5)
    assert total.percentiles["everyone"] == pytest.approx(100 * 9.5 / 11, abs=0.1)  # above 9 of 10 others, itself half
    assert total.position == TOP
    low = benchmark(SCHEME, peer_table(SCHEME, rows, [assessment("LOW", 0.05, sector="ICT")]), k=5).cluster("LOW")
    assert low.standings[TOTAL].position == BOTTOM
    assert low.gaps[:3] and all(low.standings[i].position == BOTTOM for i in low.gaps)
    assert me.strengths and all(me.standings[i].position == TOP for i in me.strengths)


def test_position_on_quartiles_every_member_shares_is_the_middle():
    assert position(5, Figures(10, 5, 5, 5)) == MIDDLE
    assert position(5, Figures(10, 1, 3, 5)) == TOP
    assert position(1, Figures(10, 1, 3, 5)) == BOTTOM
    assert position(3, Figures(10, 1, 3, 5)) == MIDDLE
    # on the upper quartile where it is also the median: the typical peer, not a strength
    assert position(2, Figures(10, 1, 2, 2)) == MIDDLE and position(2, Figures(10, 2, 2, 4)) == MIDDLE
    assert position(3, Figures(10, 1, 2, 2)) == TOP and position(1, Figures(10, 2, 2, 4)) == BOTTOM


def test_a_value_at_the_peers_median_is_neither_a_strength_nor_a_gap():
    """Half the peers at 2 points, a quarter below: a cluster at 2 stands in the middle (the
    letter named such an indicator its strength against peers while it kept it from Silver)."""
    values = [0, 1, 2, 2, 2, 2, 2, 3, 4, 5]
    rows = [assessment(f"P{n}", value / 5, sector="ICT") for n, value in enumerate(values)]
    me = benchmark(SCHEME, peer_table(SCHEME, rows, [assessment("ME", 0.4, sector="ICT")]), k=5).cluster("ME")
    assert me.standings[TOTAL].position == MIDDLE
    assert me.strengths == [] and me.gaps == []


def test_a_cluster_whose_groups_are_hidden_gets_no_percentile_in_them():
    rows = [assessment(f"P{n}", n / 10, sector="ICT") for n in range(3)]
    found = benchmark(SCHEME, peer_table(SCHEME, rows, [assessment("ME", 0.5, sector="ICT")]), k=5)
    me = found.cluster("ME")
    assert me.reference is None and me.groups == {} and me.standings[TOTAL].percentiles == {}
    assert me.standings[TOTAL].position is None and me.gaps == []


# --- the register keeps every scored assessment ---------------------------------------------


def test_the_register_migration_keeps_the_assessments_of_certificates_entered_before(tmp_path):
    class OldStore(RegisterStore):
        MIGRATIONS = MIGRATIONS[:3]

    path = tmp_path / "register.sqlite"
    draft = Draft(
        cluster_id="C1",
        name="One",
        country="DE",
        sector="ICT",
        website="",
        contact_name="",
        email="",
        language="en",
        club_consent=False,
        label="silver",
        label_name="Silver",
        label_rank=2,
        scheme_id=SCHEME.id,
        scheme_version="2025.1",
        campaign_id="old",
        assessed="2025-03",
        issued_on="2025-04-01",
        valid_until="2027-03-31",
        continues=None,
        points=100,
        max_points=150,
        indicator_points={INDICATORS[0]: 3.0},
    )
    with OldStore.at(path):  # a register written by the excelcert of schema 3: its columns only
        pass
    import dataclasses
    import json
    import sqlite3

    row = {k: v for k, v in dataclasses.asdict(draft).items() if k not in ("label_names", "sectors", "salutation")}
    row.update(number=1, reference="R-1", code="code", entered_at="2025-04-01T00:00:00+00:00")
    row["answers"], row["indicator_points"] = json.dumps(row["answers"]), json.dumps(row["indicator_points"])
    db = sqlite3.connect(path)
    db.execute(
        f"INSERT INTO certificates ({', '.join(row)}) VALUES ({', '.join('?' for _ in row)})", list(row.values())
    )
    db.commit()
    db.close()
    with RegisterStore.at(path) as store:
        assert store.version == len(MIGRATIONS)
        (kept,) = store.assessments()
        (entry,) = store.entries()
    assert entry.label_names == {} and entry.label_name_in("fr") == "Silver"  # one name, shown in every language
    assert (kept.cluster_id, kept.campaign_id, kept.label, kept.points, kept.assessed) == (
        "C1",
        "old",
        "silver",
        100,
        "2025-03",
    )
    assert kept.indicator_points == {INDICATORS[0]: 3.0}


def test_recording_an_assessment_again_replaces_it(tmp_path):
    with RegisterStore.at(tmp_path / "r.sqlite") as store:
        store.record_assessments([assessment("A", 0.5), assessment("B", 0.2)])
        store.record_assessments([assessment("A", 0.7, label="silver")])
        found = {a.cluster_id: a for a in store.assessments()}
    assert sorted(found) == ["A", "B"]
    assert found["A"].label == "silver" and found["A"].points == pytest.approx(0.7 * SCHEME.total_points, abs=1)


# --- the command ------------------------------------------------------------------------------


def test_benchmark_json_on_the_demo(demo, monkeypatch):
    monkeypatch.chdir(demo)
    result = CliRunner().invoke(cli, ["benchmark", "--json"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["min_group"] == 5 and data["campaigns"] >= 3  # last year, this year, the made-up earlier ones
    assert data["peers"] >= 150
    sectors = [g for g in data["groups"] if g["kind"] == "sector" and g["shown"]]
    assert len(sectors) >= 5  # real groups to compare with
    everyone = next(g for g in data["groups"] if g["group"] == "everyone")
    assert everyone["shown"] and everyone["members"] == data["peers"]
    assert (
        everyone["figures"]["total"]["q1"]
        <= everyone["figures"]["total"]["median"]
        <= everyone["figures"]["total"]["q3"]
    )
    for group in data["groups"]:
        assert group["shown"] == ("figures" in group)
        if not group["shown"]:
            assert group["why"] and "members" not in group
    scored = {c["cluster"] for c in data["clusters"]}
    assert scored and all(c["measures"]["total"]["value"] is not None for c in data["clusters"])
    # the peers hold last year's clusters that did not come back this year
    with RegisterStore.at(demo / "register.sqlite") as store:
        history = {a.cluster_id for a in store.assessments()}
    assert history - scored


def test_benchmark_prints_the_groups_and_the_clusters(demo, monkeypatch):
    monkeypatch.chdir(demo)
    result = CliRunner().invoke(cli, ["benchmark"], catch_exceptions=False)
    assert result.exit_code == 0
    assert "All peers" in result.output and "fewer than 5 members" in result.output
    # groups named as a reader names them, not by their keys ('sector:Aerospace', 'country:AT')
    assert "Sector: " in result.output and "Country: Austria" in result.output and "This campaign's" in result.output
    assert "sector:" not in result.output and "country:" not in result.output
    # headed as the other tables of the CLI (status, score, register list): capitalised words
    assert "Not shown because" in result.output and "Gaps" in result.output and "┃ group" not in result.output


def test_score_records_every_scored_assessment_in_the_register_labelled_or_not(demo_copy, monkeypatch):
    import sqlite3

    with sqlite3.connect(demo_copy / "register.sqlite") as db:  # as if the demo had never scored
        db.execute("DELETE FROM assessments WHERE campaign_id = 'demo'")
    monkeypatch.chdir(demo_copy)
    result = CliRunner().invoke(cli, ["score", "--json"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    scores = {s["cluster_id"]: s for s in json.loads(result.output)["scores"]}
    with RegisterStore.at(demo_copy / "register.sqlite") as store:
        recorded = {a.cluster_id: a for a in store.assessments() if a.campaign_id == "demo"}
    assert set(recorded) == set(scores) and len(scores) >= 5
    for cluster, s in scores.items():
        assert recorded[cluster].label == s["label"] and recorded[cluster].points == pytest.approx(s["total"])
        assert recorded[cluster].indicator_points == pytest.approx(s["points"])
        assert recorded[cluster].sector and recorded[cluster].country and recorded[cluster].answers


def test_each_cluster_of_a_campaign_is_placed_in_its_own_groups_as_if_alone():
    """The campaign's clusters are placed all at once (a sector's percentiles kept for its own
    clusters only): each gets what a percentile of its value among each group's members gives."""
    sectors, countries = ["ICT", "Bio", "Auto"], ["DE", "FR", "AT", "BE"]
    rows = [assessment(f"P{n}", (n * 7 % 23) / 23, sector=sectors[n % 3], country=countries[n % 4]) for n in range(60)]
    current = [
        assessment(f"C{n}", (n * 5 % 17) / 17, sector=sectors[n % 2], country=countries[n % 3], campaign="now")
        for n in range(40)
    ]
    peers = peer_table(SCHEME, rows, current)
    found = benchmark(SCHEME, peers, k=5)
    values = peers.table[peers.measures].to_numpy(dtype=float)
    checked = 0
    for me in found.clusters:
        for key, row in me.percentiles.items():
            group = found.group(key)
            inside = {
                "sector": peers.table["sector"] == group.name,
                "country": peers.table["country"] == group.name,
            }.get(group.kind, np.ones(len(peers.table), dtype=bool))
            if group.kind == "excellence":
                continue  # its members are drawn by label or decile: checked by its own test
            members = values[np.asarray(inside)]
            for n, measure in enumerate(peers.measures):
                if measure not in group.figures:
                    assert np.isnan(row[n])
                    continue
                column = members[:, n][~np.isnan(members[:, n])]
                mine = me.values[n]
                expected = 100 * ((column < mine).sum() + (column == mine).sum() / 2) / len(column)
                assert row[n] == pytest.approx(expected)
                checked += 1
        before = me.standings
        me.release()
        assert me.standings == before and me.standings is not before  # computed again, the same
    assert checked > 1000 and {len(c.groups) for c in found.clusters} == {4}

    # each cluster's arrays are its own: forgotten once its letter is planned, it goes alone
    first, other = found.clusters[0], found.clusters[7]
    assert first.values.base is None and all(row.base is None for row in first.percentiles.values())
    kept = other.to_json()
    found.forget(first.cluster_id)
    assert found.cluster(first.cluster_id) is None and all(c is not first for c in found.clusters)
    assert found.cluster(other.cluster_id) is other and other.to_json() == kept
    found.forget(other.cluster_id)
    found.forget("C-none")  # never there: nothing happens
    assert [c.cluster_id for c in found.clusters] == [f"C{n}" for n in range(1, 40) if n != 7]
