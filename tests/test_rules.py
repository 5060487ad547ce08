"""Decision rules: a table per rule for the edges a facilitator meets, properties for the rest."""

import json
import re
from collections import Counter
from dataclasses import replace
from fractions import Fraction

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from workshop.domain.errors import InvalidInput
from workshop.domain.rules import (
    RULES,
    YES_NO_RULES,
    Ballot,
    ballot_from_record,
    default_settings,
    normalize_vote,
    result_text,
    tally,
)
from workshop.domain.rules.ranking import numbered


def record(rule, votes, electorate=None, options=("P",), settings=None, **extra):
    """A ballot record as the API shows it; the electorate defaults to everyone who voted."""
    if electorate is None:
        electorate = [vote["voter"] for vote in votes]
    return {
        "rule": rule,
        "options": list(options),
        "electorate": list(electorate),
        "settings": settings or {},
        "votes": list(votes),
        **extra,
    }


def count(rule, votes, **kwargs):
    return tally(ballot_from_record(record(rule, votes, **kwargs)))


def choices(**by_voter):
    """choices(a="agree", b="disagree") -> the votes of a and b."""
    return [{"voter": voter, "choice": choice} for voter, choice in by_voter.items()]


def people(n):
    return [f"p{i}" for i in range(n)]


# -- unanimity ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("electorate", "votes", "passed", "said"),
    [
        ("abc", choices(a="agree", b="agree", c="agree"), True, "Everyone agreed, so P passes."),
        ("a", choices(a="agree"), True, "1 of 1"),
        ("abc", choices(a="agree", b="disagree", c="agree"), False, "b disagreed."),
        ("abc", choices(a="agree", b="abstain", c="agree"), False, "b abstained"),
        ("abc", choices(a="agree", b="agree"), False, "c did not vote, which is not"),
        ("abc", [], False, "a, b and c did not vote"),
        ("", [], False, "Nobody could vote"),
    ],
)
def test_unanimity(electorate, votes, passed, said):
    result = count("unanimity", votes, electorate=list(electorate))
    assert result.passed is passed
    assert result.winner == ("P" if passed else None)
    assert any(said in reason for reason in result.reasons), result.reasons


def test_people_are_named_in_the_order_they_joined_pt9_before_pt10():
    """Ids are numbered as people join: read as text, pt10 came before pt9, and a room of
    ten or more saw its non-voters and votes out of order."""
    electorate = [f"pt{n}" for n in range(2, 13)]
    votes = choices(pt12="disagree", pt10="agree", pt9="agree")
    result = count("unanimity", votes, electorate=electorate)
    missing = "pt2, pt3, pt4, pt5, pt6, pt7, pt8 and pt11 did not vote"
    assert any(missing in reason for reason in result.reasons), result.reasons
    ballot = ballot_from_record(record("unanimity", votes, electorate=electorate))
    assert [vote["voter"] for vote in ballot.votes] == ["pt9", "pt10", "pt12"]


def test_unanimity_counts_every_choice():
    votes = choices(a="agree", b="disagree", c="abstain", d="agree")
    result = count("unanimity", votes, electorate="abcde")
    assert result.counts == {"agree": 2, "disagree": 1, "abstain": 1}
    assert (result.turnout, result.electorate_size) == (4, 5)


# -- consent -----------------------------------------------------------------------------------

CONSENT = {"voter": "a", "choice": "consent"}
CONCERN = {"voter": "b", "choice": "concern", "reason": "  the date is tight "}
OBJECTION = {"voter": "c", "choice": "objection", "reason": "it breaks the privacy promise"}
RULED_OUT = {**OBJECTION, "ruled_out": {"by": "f1", "reason": "a preference, not harm"}}
UPHELD = {**OBJECTION, "upheld": {"by": "f1", "reason": "it harms the aim"}}


@pytest.mark.parametrize(
    ("votes", "electorate", "passed", "said"),
    [
        ([CONSENT], "a", True, "no objection stands, so P passes."),
        ([CONSENT, CONCERN], "ab", True, "Concerns recorded from b."),
        ([CONSENT, CONCERN, OBJECTION], "abc", False, "c objected"),
        ([CONSENT, OBJECTION], "ac", False, "awaiting the facilitator's ruling"),
        ([CONSENT, UPHELD], "ac", False, "the objection stands, ruled paramount by f1"),
        ([CONSENT, RULED_OUT], "ac", True, "ruled not paramount by f1"),
        ([CONSENT, CONCERN], "abc", False, "c did not respond"),
        (
            [CONSENT, OBJECTION],
            "acd",
            False,
            "c objected (it breaks the privacy promise): not ruled on.",
        ),
        ([CONSENT], "a", True, "1 of 1 responded: 1 consent, 0 concerns, 0 objections."),
        (
            [CONCERN, OBJECTION, OBJECTION | {"voter": "d"}],
            "bcd",
            False,
            "3 of 3 responded: 0 consents, 1 concern, 2 objections.",
        ),
        ([], "", False, "Nobody could vote"),
    ],
)
def test_consent(votes, electorate, passed, said):
    result = count("consent", votes, electorate=list(electorate))
    assert result.passed is passed
    assert any(said in reason for reason in result.reasons), result.reasons


def test_consent_records_concerns_and_objections():
    result = count("consent", [OBJECTION, RULED_OUT | {"voter": "d"}, CONCERN, CONSENT])
    assert result.concerns == ({"voter": "b", "reason": "the date is tight"},)
    assert result.objections == (
        {
            "voter": "c",
            "reason": OBJECTION["reason"],
            "stands": True,
            "ruled_out": None,
            "upheld": None,
            "awaiting": True,
        },
        {
            "voter": "d",
            "reason": OBJECTION["reason"],
            "stands": False,
            "ruled_out": {"by": "f1", "reason": "a preference, not harm"},
            "upheld": None,
            "awaiting": False,
        },
    )
    assert result.counts == {"consent": 1, "concern": 1, "objection": 2}
    assert result.passed is False


@pytest.mark.parametrize(
    ("votes", "electorate", "awaiting", "verdict"),
    [
        # every response is in and only rulings are due: no verdict, "awaiting the ruling"
        ([CONSENT, OBJECTION], "ac", ("c",), "awaiting the facilitator's ruling"),
        ([OBJECTION, OBJECTION | {"voter": "d"}], "cd", ("c", "d"), "awaiting the facilitator"),
        ([RULED_OUT, OBJECTION | {"voter": "d"}], "cd", ("d",), "awaiting the facilitator"),
        # a ruling cannot change the verdict any more: it is a verdict
        ([UPHELD, OBJECTION | {"voter": "d"}], "cd", (), "did not pass"),
        ([OBJECTION], "ac", (), "did not pass"),  # a missing response fails it anyway
        ([CONSENT, RULED_OUT], "ac", (), "passed"),
    ],
)
def test_consent_awaits_the_ruling_before_giving_a_verdict(votes, electorate, awaiting, verdict):
    result = count("consent", votes, electorate=list(electorate))
    assert result.awaiting_ruling == awaiting
    assert verdict in result_text(result).splitlines()[1]
    said = "no verdict yet" in " ".join(result.reasons).lower()
    assert said is bool(awaiting)


def test_advice_to_a_decider_awaits_no_ruling():
    result = count("decider", [CONSENT, OBJECTION], decision=DECIDED)
    assert result.advisory.awaiting_ruling == () and result.awaiting_ruling == ()
    # Advice is advice: nobody rules on its objection, so it neither "stands" nor awaits.
    assert "Advice: c objected (it breaks the privacy promise)." in result.reasons
    assert not any("stands" in reason or "awaiting" in reason for reason in result.reasons)
    assert [o["awaiting"] for o in result.advisory.objections] == [False]


def test_an_objection_is_upheld_or_ruled_out_not_both():
    both = {**UPHELD, "ruled_out": RULED_OUT["ruled_out"]}
    with pytest.raises(InvalidInput, match="either upheld or ruled_out, not both"):
        count("consent", [both], electorate=["c"])
    with pytest.raises(InvalidInput, match="upheld.reason must say why the objection stands"):
        normalize_vote("consent", {**OBJECTION, "upheld": {"by": "f", "reason": ""}}, ["P"], {})


@pytest.mark.parametrize("reason", [None, "", "   "])
def test_an_objection_without_a_reason_is_refused(reason):
    vote = {"choice": "objection", "reason": reason}
    with pytest.raises(InvalidInput, match="an objection needs a reason"):
        normalize_vote("consent", vote, ["P"], {})
    with pytest.raises(InvalidInput, match=r"votes\[0\] \(voter 'a'\): an objection needs"):
        ballot_from_record(record("consent", [{"voter": "a", **vote}]))


# -- majority ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("size", "agree", "disagree", "abstain", "settings", "passed"),
    [
        (3, 2, 1, 0, {}, True),
        (4, 2, 2, 0, {}, False),  # a tie is not more than half
        (4, 1, 0, 1, {}, True),  # abstentions count for the quorum only
        (4, 0, 0, 4, {}, False),  # nobody took a side
        (5, 2, 0, 0, {}, False),  # 2 of 5 is below the quorum of 2.5
        (4, 2, 0, 0, {}, True),  # quorum exactly met
        (10, 7, 0, 0, {"quorum": 0.7}, True),  # 0.7 * 10 is 7, not 7.000000000000001
        (10, 6, 0, 0, {"quorum": 0.7}, False),
        (4, 3, 0, 0, {"quorum": 1}, False),
        (4, 3, 1, 0, {"quorum": 1}, True),
        (4, 0, 0, 0, {"quorum": 0}, False),
        (3, 2, 1, 0, {"supermajority": True}, True),  # exactly two thirds
        (5, 3, 2, 0, {"supermajority": True}, False),  # 60% is short of two thirds
        (6, 4, 2, 0, {"supermajority": True}, True),
        (5, 3, 2, 0, {}, True),
        (0, 0, 0, 0, {"quorum": 0}, False),  # empty electorate
    ],
)
def test_majority(size, agree, disagree, abstain, settings, passed):
    said = ["agree"] * agree + ["disagree"] * disagree + ["abstain"] * abstain
    votes = [{"voter": f"p{i}", "choice": choice} for i, choice in enumerate(said)]
    result = count("majority", votes, electorate=people(size), settings=settings)
    assert result.passed is passed
    assert result.counts == {"agree": agree, "disagree": disagree, "abstain": abstain}
    assert result.turnout == agree + disagree + abstain


@pytest.mark.parametrize(
    ("size", "voted", "said"),
    [
        (5, 2, "Too few people voted: 2 of 5, with at least 3 needed."),
        (4, 2, "Enough people voted: 2 of 4, with at least 2 needed."),
    ],
)
def test_majority_explains_the_quorum(size, voted, said):
    votes = [{"voter": voter, "choice": "agree"} for voter in people(voted)]
    assert said in count("majority", votes, electorate=people(size)).reasons


# -- fist of five ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("values", "electorate", "passed", "low"),
    [
        ({"a": 5, "b": 4, "c": 3}, "abc", True, ()),
        ({"a": 3}, "a", True, ()),
        ({"a": 5, "b": 2, "c": 3}, "abc", False, ("b",)),
        ({"a": 2, "b": 0, "c": 1, "d": 2}, "abcd", False, ("b", "c", "a", "d")),
        ({"a": 4}, "abc", True, ()),  # people who did not vote do not block
        ({}, "abc", False, ()),
        ({}, "", False, ()),
    ],
)
def test_fist_of_five(values, electorate, passed, low):
    votes = [{"voter": voter, "value": value} for voter, value in values.items()]
    result = count("fist_of_five", votes, electorate=list(electorate))
    assert result.passed is passed
    assert result.low_voters == low
    assert result.counts == {str(n): list(values.values()).count(n) for n in range(6)}


def test_fist_of_five_gives_the_floor_to_the_lowest_first():
    votes = [{"voter": "a", "value": 2}, {"voter": "b", "value": 1}]
    reasons = count("fist_of_five", votes).reasons
    assert "Below 3: b showed 1, a showed 2. They get the floor first." in reasons


# -- dot voting --------------------------------------------------------------------------------


def dots(*spent):
    """dots({"A": 2}, {"B": 1}) -> one vote per mapping, voters v0, v1, ..."""
    return [{"voter": f"v{i}", "dots": d} for i, d in enumerate(spent)]


@pytest.mark.parametrize(
    ("options", "votes", "ranking", "winner", "ties"),
    [
        ("ABC", dots({"A": 1}, {"A": 1}, {"B": 1}), "ABC", "A", ()),
        ("ABC", dots({"C": 1}, {"B": 1}), "BCA", None, (("B", "C"),)),
        ("ABCD", dots({"A": 1, "B": 1}, {"A": 1, "C": 1}), "ABCD", "A", (("B", "C"),)),
        ("ABC", dots({}, {}), "ABC", None, (("A", "B", "C"),)),
        ("A", dots({}), "A", None, ()),  # no dots cast: nobody is on top
        ("A", dots({"A": 1}), "A", "A", ()),
    ],
)
def test_dot_voting(options, votes, ranking, winner, ties):
    settings = {"dots": 2, "max_per_option": 1}
    result = count("dot", votes, options=list(options), settings=settings)
    assert result.passed is None
    assert result.ranking == tuple(ranking)
    assert result.winner == winner
    assert result.ties == ties


def test_dot_voting_reports_totals():
    result = count("dot", dots({"A": 2, "C": 1}, {"C": 2}), options="ABC", settings={"dots": 3})
    assert result.counts == {"A": 2, "B": 0, "C": 3}
    assert result.ranking == ("C", "A", "B")
    assert "Dots per option: C 3, A 2, B 0." in result.reasons


@pytest.mark.parametrize(
    ("settings", "vote", "message"),
    [
        ({"dots": 3, "max_per_option": 3}, {"A": 2, "B": 2}, "dots: 4 dots spent, the budget is 3"),
        ({"dots": 3, "max_per_option": 1}, {"A": 2}, "dots on 'A': at most 1 per option"),
        ({}, {"A": 1, "B": 1}, "dots: 2 dots spent, the budget is 1"),  # 3 options: ceil(3/3)
        ({"dots": 2}, {"Z": 1}, "dots name unknown option 'Z'"),
        ({"dots": 2}, {"A": -1}, "dots on 'A' must be a whole number 0 or more, got -1"),
        ({"dots": 2}, {"A": 1.5}, "dots on 'A' must be a whole number"),
        ({"dots": 2}, {"A": True}, "dots on 'A' must be a whole number"),
    ],
)
def test_dot_budget_and_limit_are_enforced(settings, vote, message):
    with pytest.raises(InvalidInput) as error:
        normalize_vote("dot", {"dots": vote}, ["A", "B", "C"], settings)
    assert message in error.value.message


def test_dot_budget_is_within_limits_when_exactly_spent():
    vote = normalize_vote("dot", {"dots": {"C": 1, "A": 2, "B": 0}}, "ABC", {"dots": 3})
    assert vote == {"dots": {"A": 2, "C": 1}}


# -- ranked choice (Schulze) -------------------------------------------------------------------


def rankings(*groups):
    """rankings((5, "ACBED"), ...) -> that many voters ranking the options that way."""
    orders = [order for times, order in groups for _ in range(times)]
    return [{"voter": f"v{i:02d}", "ranking": list(order)} for i, order in enumerate(orders)]


WIKIPEDIA = rankings(
    (5, "ACBED"),
    (5, "ADECB"),
    (8, "BEDAC"),
    (3, "CABED"),
    (7, "CAEBD"),
    (2, "CBADE"),
    (7, "DCEBA"),
    (8, "EBADC"),
)


def test_schulze_textbook_example():
    """The 45-voter example of the Wikipedia article on the Schulze method."""
    result = count("ranked", WIKIPEDIA, options="ABCDE")
    assert result.winner == "E"
    assert result.ranking == ("E", "A", "C", "B", "D")
    assert result.ties == ()
    assert result.counts["pairwise"]["A"] == {"B": 20, "C": 26, "D": 30, "E": 22}
    assert result.counts["strongest_paths"] == {
        "A": {"B": 28, "C": 28, "D": 30, "E": 24},
        "B": {"A": 25, "C": 28, "D": 33, "E": 24},
        "C": {"A": 25, "B": 29, "D": 29, "E": 24},
        "D": {"A": 25, "B": 28, "C": 28, "E": 24},
        "E": {"A": 25, "B": 28, "C": 28, "D": 31},
    }


@pytest.mark.parametrize(
    ("options", "votes", "winner", "ranking", "ties"),
    [
        # a Condorcet cycle: everyone ties, the facilitator decides
        ("ABC", rankings((1, "ABC"), (1, "BCA"), (1, "CAB")), None, "ABC", (("A", "B", "C"),)),
        ("ABC", rankings((2, "BAC"), (1, "CAB")), "B", "BAC", ()),  # B is the Condorcet winner
        ("ABC", rankings((1, "B")), "B", "BAC", (("A", "C"),)),  # unranked share last place
        ("ABC", rankings((1, "AB"), (1, "BA")), None, "ABC", (("A", "B"),)),
        ("ABC", rankings((1, "")), None, "ABC", (("A", "B", "C"),)),
        ("AB", [], None, "AB", (("A", "B"),)),
        ("A", [], None, "A", ()),  # no rankings cast: no winner
        # W ties everyone, A beats B: both A and W are Schulze winners, so no single winner
        ("AWB", rankings((1, "WAB"), (1, "ABW")), None, "AWB", (("A", "W"),)),
    ],
)
def test_schulze_ties_and_edges(options, votes, winner, ranking, ties):
    result = count("ranked", votes, options=list(options))
    assert result.passed is None
    assert result.winner == winner
    assert result.ranking == tuple(ranking)
    assert result.ties == ties


def test_a_schulze_tie_goes_back_to_the_facilitator():
    votes = rankings((1, "ABC"), (1, "BCA"), (1, "CAB"))
    reasons = count("ranked", votes, options="ABC").reasons
    assert "A, B and C tie for first place: the tie goes back to the facilitator." in reasons


@pytest.mark.parametrize(
    ("rule", "votes", "decision", "winner", "ranking"),
    [
        ("ranked", rankings((1, "AB"), (1, "BA")), {"winner": "B"}, "B", ("B", "A", "C")),
        ("ranked", rankings((1, "ABC"), (1, "BCA"), (1, "CAB")), {"winner": "C"}, "C", "CAB"),
        ("dot", [{"voter": "v1", "dots": {"A": 1, "B": 1}}], {"winner": "A"}, "A", "ABC"),
        ("ranked", rankings((1, "AB"), (1, "BA")), None, None, ("A", "B", "C")),
    ],
)
def test_the_decider_breaks_a_tie_for_first_place(rule, votes, decision, winner, ranking):
    if decision:
        decision = {"by": "p1", "rationale": "closer to our users", **decision}
    result = count(rule, votes, options="ABC", decision=decision, settings={"dots": 2})
    assert result.winner == winner and result.ranking == tuple(ranking)
    assert result.ties  # the tie the count found stays on record
    if decision:
        assert f"p1 chose {winner} from the tie, because: closer to our users" in result.reasons


@pytest.mark.parametrize(
    ("decision", "message"),
    [
        ({"by": "p1", "winner": "C", "rationale": "r"}, r"tied for first place \(A, B\)"),
        ({"by": "p1", "winner": "A", "rationale": " "}, "decision.rationale is required"),
        ({"by": "p1", "rationale": "r"}, "decision.winner must name one of the tied"),
        ("A", "decision must be an object with by, winner and rationale"),
    ],
)
def test_a_tie_decision_must_choose_among_the_tied_with_a_reason(decision, message):
    with pytest.raises(InvalidInput, match=message):
        count("ranked", rankings((1, "AB"), (1, "BA")), options="ABC", decision=decision)


def test_only_a_tie_can_be_broken():
    decision = {"by": "p1", "winner": "B", "rationale": "r"}
    with pytest.raises(InvalidInput, match="nobody is tied"):
        count("ranked", rankings((2, "AB")), options="AB", decision=decision)


# -- decider -----------------------------------------------------------------------------------

ADVICE = [CONSENT, OBJECTION]
DECIDED = {"by": "a", "passed": True, "rationale": "we try it for one sprint"}


@pytest.mark.parametrize(
    ("settings", "decision", "passed", "said"),
    [
        ({}, DECIDED, True, "a decided: P passes, because: we try it for one sprint"),
        ({"decider": "a"}, DECIDED | {"passed": False}, False, "a decided: P does not pass"),
        ({}, None, False, "The decider has not decided yet."),
        ({}, DECIDED, True, "The decision goes against the advice."),
    ],
)
def test_decider(settings, decision, passed, said):
    result = count("decider", ADVICE, settings=settings, decision=decision)
    assert result.passed is passed
    assert result.advisory.rule == "consent"
    assert result.advisory.passed is False
    assert any(said in reason for reason in result.reasons), result.reasons


def test_decider_advice_under_another_rule():
    votes = choices(a="agree", c="disagree", d="agree")
    result = count("decider", votes, settings={"advisory_rule": "majority"}, decision=DECIDED)
    assert (result.advisory.rule, result.advisory.passed) == ("majority", True)
    assert result.counts == {"agree": 2, "disagree": 1, "abstain": 0}


@pytest.mark.parametrize(
    ("settings", "decision", "message"),
    [
        ({"decider": "p1"}, DECIDED, "decision.by must be the decider 'p1', got 'a'"),
        ({}, DECIDED | {"rationale": "  "}, "decision.rationale is required"),
        ({}, {"by": "a", "passed": True}, "decision.rationale is required"),
        ({}, DECIDED | {"passed": "yes"}, "decision.passed must be true or false, got 'yes'"),
        ({}, DECIDED | {"by": ""}, "decision.by must name the decider"),
        ({}, "yes", "decision must be an object"),
        ({"advisory_rule": "decider"}, DECIDED, "settings.advisory_rule must be one of"),
    ],
)
def test_decider_refuses_a_bad_decision(settings, decision, message):
    with pytest.raises(InvalidInput) as error:
        ballot_from_record(record("decider", ADVICE, settings=settings, decision=decision))
    assert message in error.value.message


# -- one vote, checked -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("rule", "vote", "message"),
    [
        (
            "majority",
            {"choice": "maybe"},
            "choice must be one of agree, disagree, abstain, got 'maybe'",
        ),
        ("unanimity", {}, "choice must be one of agree, disagree, abstain, got nothing"),
        ("consent", {"choice": "agree"}, "choice must be one of consent, concern, objection"),
        ("consent", {"choice": "consent", "ruled_out": {"by": "f", "reason": "r"}}, "ruled_out"),
        ("consent", {"choice": "objection", "reason": "r", "ruled_out": {"by": "f"}}, "ruled_out"),
        ("fist_of_five", {"value": 6}, "value must be a whole number 0 to 5, got 6"),
        ("fist_of_five", {"value": -1}, "value must be a whole number 0 to 5, got -1"),
        ("fist_of_five", {"value": "3"}, "value must be a whole number 0 to 5, got '3'"),
        ("fist_of_five", {"value": 2.5}, "value must be a whole number 0 to 5, got 2.5"),
        ("fist_of_five", {"value": True}, "value must be a whole number 0 to 5, got true"),
        ("dot", {"dots": ["A"]}, "dots must be an object"),
        ("ranked", {"ranking": ["A", "Z"]}, "ranking names unknown option 'Z'"),
        ("ranked", {"ranking": ["A", "B", "A"]}, "ranking lists 'A' twice"),
        ("ranked", {"ranking": "AB"}, "ranking must be a list"),
        ("ranked", ["A"], "a vote must be an object"),
        ("majority", {"choice": "agree", "reason": 3}, "reason must be text"),
        ("vote", {"choice": "agree"}, "rule must be one of"),
    ],
)
def test_normalize_vote_names_the_bad_field(rule, vote, message):
    with pytest.raises(InvalidInput) as error:
        normalize_vote(rule, vote, ["A", "B", "C"], {"dots": 2})
    assert message in error.value.message


@pytest.mark.parametrize(
    ("rule", "vote", "normalized"),
    [
        ("majority", {"voter": "x", "choice": "agree", "extra": 1}, {"choice": "agree"}),
        (
            "unanimity",
            {"choice": "abstain", "reason": " busy "},
            {"choice": "abstain", "reason": "busy"},
        ),
        ("consent", {"choice": "concern", "reason": ""}, {"choice": "concern"}),
        ("fist_of_five", {"value": 0}, {"value": 0}),
        ("ranked", {"ranking": ["B"]}, {"ranking": ["B"]}),
        ("decider", {"choice": "consent"}, {"choice": "consent"}),
    ],
)
def test_normalize_vote_keeps_only_known_fields(rule, vote, normalized):
    assert normalize_vote(rule, vote, ["A", "B"], {}) == normalized


# -- whole records -----------------------------------------------------------------------------

GOOD = record("majority", choices(a="agree", b="disagree"), electorate="abc")


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"rule": "plurality"}, "rule must be one of unanimity, consent, majority"),
        ({"options": "P"}, "options must be a list of strings, got 'P'"),
        ({"options": ["P", 3]}, "options[1] must be a non-empty string, got 3"),
        ({"options": ["P", "P"]}, "options lists 'P' twice"),
        ({"options": ["P", "Q"]}, "a majority vote decides one option, got 2 options"),
        ({"electorate": ["a", "a"]}, "electorate lists 'a' twice"),
        ({"electorate": None}, "electorate must be a list of strings, got nothing"),
        ({"votes": {"a": "agree"}}, "votes must be a list, got an object with 'a': 'agree'"),
        ({"votes": ["agree"]}, "votes[0] must be an object, got 'agree'"),
        ({"votes": choices(a="agree", z="agree")}, "votes[1]: voter 'z' is not in the electorate"),
        ({"votes": choices(a="agree") * 2}, "votes[1]: voter 'a' voted twice"),
        ({"votes": [{"choice": "agree"}]}, "votes[0].voter must be a voter's id, got nothing"),
        (
            {"votes": [{"voter": ["a"], "choice": "agree"}]},
            "votes[0].voter must be a voter's id, got a list holding 'a'",
        ),
        ({"votes": choices(a="yes")}, "votes[0] (voter 'a'): choice must be one of"),
        ({"settings": []}, "settings must be an object, got an empty list"),
        ({"settings": {"quorum": 1.5}}, "settings.quorum must be a share of the electorate"),
        ({"settings": {"quorum": "half"}}, "settings.quorum must be a share"),
        ({"settings": {"supermajority": "yes"}}, "settings.supermajority must be true or false"),
        ({"settings": {"dots": 0}}, "settings.dots must be a whole number 1 or more, got 0"),
        (
            {"settings": {"max_per_option": 1.0}},
            "settings.max_per_option must be a whole number 1 or more, got 1.0",
        ),
        ({"settings": {"decider": 7}}, "settings.decider must be a voter id, got 7"),
    ],
)
def test_a_malformed_record_is_refused_with_the_problem_named(change, message):
    with pytest.raises(InvalidInput) as error:
        ballot_from_record(GOOD | change)
    assert message in error.value.message


@pytest.mark.parametrize("missing", ["rule", "options", "electorate", "votes"])
def test_a_record_missing_a_part_is_refused(missing):
    broken = {key: value for key, value in GOOD.items() if key != missing}
    with pytest.raises(InvalidInput, match=f"the ballot record has no '{missing}'"):
        ballot_from_record(broken)


@pytest.mark.parametrize("value", [[], "ballot", 3, None])
def test_a_record_must_be_an_object(value):
    with pytest.raises(InvalidInput, match="a ballot record must be a JSON object"):
        ballot_from_record(value)


def test_extra_fields_are_allowed_and_ignored():
    extra = GOOD | {"id": "b1", "opened_at": "now", "settings": {"colour": "red"}}
    extra["votes"] = [vote | {"at": 3} for vote in GOOD["votes"]]
    assert tally(ballot_from_record(extra)) == tally(ballot_from_record(GOOD))


def test_tally_checks_a_ballot_built_in_code():
    ballot = Ballot("majority", ("P",), ("a",), {}, ({"voter": "b", "choice": "agree"},))
    with pytest.raises(InvalidInput, match="not in the electorate"):
        tally(ballot)


@pytest.mark.parametrize(
    ("rule", "options", "expected"),
    [
        ("dot", "ABCDEFG", {"dots": 3, "max_per_option": 3}),
        ("dot", "ABC", {"dots": 1, "max_per_option": 1}),
        ("dot", "ABCD", {"dots": 2, "max_per_option": 2}),
        ("dot", "", {"dots": 1, "max_per_option": 1}),
        ("consent", "P", {"quorum": 0.5, "supermajority": False, "advisory_rule": "consent"}),
    ],
)
def test_default_settings(rule, options, expected):
    assert default_settings(rule, list(options)).items() >= expected.items()


def test_a_given_budget_is_also_the_default_limit_per_option():
    assert normalize_vote("dot", {"dots": {"A": 4}}, "AB", {"dots": 4}) == {"dots": {"A": 4}}


# -- output ------------------------------------------------------------------------------------


def test_to_dict_is_json_ready_and_holds_the_contract():
    result = count("decider", ADVICE, decision=DECIDED)
    data = json.loads(json.dumps(result.to_dict()))
    assert {"rule", "passed", "winner", "ranking", "reasons"} <= data.keys()
    assert data["advisory"]["objections"][0]["voter"] == "c"
    assert data["reasons"] == list(result.reasons)


def test_result_text_shows_the_verdict_and_every_reason():
    result = count("ranked", WIKIPEDIA, options="ABCDE")
    text = result_text(result)
    assert "result: ranked" in text
    assert "winner: E" in text
    assert "ranking: E, A, C, B, D" in text
    assert all(reason in text for reason in result.reasons)


def test_result_text_names_options_as_the_reasons_do_with_their_ids_beside():
    """The record in the minutes has labels: `workshop tally` printed "winner: pr10" above
    reasons that said "“Gyms”"."""
    labels = {"A": "“Gyms”", "E": "“Coaching”"}
    ballot = ballot_from_record(record("ranked", WIKIPEDIA, options="ABCDE", labels=labels))
    text = result_text(tally(ballot), ballot.label)
    assert "winner: “Coaching” (E)" in text
    assert "ranking: “Coaching” (E), “Gyms” (A), C, B, D" in text


def test_every_rule_is_counted_and_yes_no_rules_say_yes_or_no():
    for rule in RULES:
        options = ["P"] if rule in YES_NO_RULES else ["A", "B"]
        result = tally(ballot_from_record(record(rule, [], electorate=["a"], options=options)))
        assert (result.passed is None) is (rule not in YES_NO_RULES)


# -- properties --------------------------------------------------------------------------------

VOTERS = [f"v{i}" for i in range(7)]
LETTERS = "ABCDE"
a_reason = st.text(alphabet="abc ", min_size=1, max_size=5).filter(str.strip)


def vote_for(rule, options):
    """A valid vote (without voter) for the rule; dot votes assume 3 dots, 3 per option."""
    if rule in ("unanimity", "majority"):
        return st.fixed_dictionaries({"choice": st.sampled_from(["agree", "disagree", "abstain"])})
    if rule in ("consent", "decider"):  # advice to a decider is never ruled on
        ruling = (
            st.none() | st.just({"by": "f", "reason": "a ruling"})
            if rule == "consent"
            else st.none()
        )
        objection = st.fixed_dictionaries(
            {"choice": st.just("objection"), "reason": a_reason},
            optional={"ruled_out": ruling, "upheld": ruling},
        ).filter(lambda vote: not (vote.get("ruled_out") and vote.get("upheld")))
        return st.sampled_from([{"choice": "consent"}, {"choice": "concern"}]) | objection
    if rule == "fist_of_five":
        return st.fixed_dictionaries({"value": st.integers(0, 5)})
    if rule == "dot":
        spent = st.lists(st.sampled_from(options), max_size=3).map(Counter)
        return st.fixed_dictionaries({"dots": spent.map(dict)})
    return st.fixed_dictionaries({"ranking": st.permutations(options).flatmap(prefixes)})


def prefixes(order):
    return st.integers(0, len(order)).map(lambda n: list(order[:n]))


@st.composite
def records(draw, rule=None):
    rule = rule or draw(st.sampled_from(RULES))
    if rule in YES_NO_RULES:
        options = ["P"]
    else:
        options = draw(st.lists(st.sampled_from(LETTERS), min_size=1, unique=True))
    electorate = draw(st.lists(st.sampled_from(VOTERS), unique=True))
    voters = draw(st.lists(st.sampled_from(electorate), unique=True)) if electorate else []
    votes = [{"voter": voter, **draw(vote_for(rule, options))} for voter in voters]
    settings = {
        "dots": 3,
        "max_per_option": 3,
        "quorum": draw(st.integers(0, 4).map(lambda n: n / 4)),
        "supermajority": draw(st.booleans()),
    }
    decision = None
    if rule == "decider":
        decision = draw(st.none() | st.just({"by": "p", "passed": True, "rationale": "why"}))
    return record(rule, votes, electorate, options, settings, decision=decision)


@given(records())
def test_labels_change_the_words_and_nothing_else(rec):
    """Reasons name each option and voter by its label; the count stays the count of ids."""
    ids = [*rec["options"], *rec["electorate"], "p"]
    labels = {key: f"<{key}>" for key in ids}
    plain = tally(ballot_from_record(rec))
    labelled = tally(replace(ballot_from_record(rec), labels=labels))
    assert replace(labelled, reasons=(), advisory=None) == replace(plain, reasons=(), advisory=None)
    assert len(labelled.reasons) == len(plain.reasons)
    unwrapped = [re.sub(r"<(\w+)>", r"\1", reason) for reason in labelled.reasons]
    assert unwrapped == list(plain.reasons)


@pytest.mark.parametrize("rule", RULES)
def test_reasons_name_proposals_by_title_and_people_by_name(rule):
    options = ["pr1"] if rule in YES_NO_RULES else ["pr1", "pr2"]
    vote = {
        "unanimity": {"choice": "disagree"},
        "majority": {"choice": "agree"},
        "consent": {"choice": "objection", "reason": "harm"},
        "fist_of_five": {"value": 1},
        "dot": {"dots": {"pr2": 1}},
        "ranked": {"ranking": ["pr2", "pr1"]},
        "decider": {"choice": "objection", "reason": "harm"},
    }[rule]
    rec = record(rule, [{"voter": "pt2", **vote}], ["pt2", "pt3"], options)
    if rule == "decider":
        rec["decision"] = {"by": "pt2", "passed": False, "rationale": "not now"}
    labels = {"pr1": "“Move more”", "pr2": "“Sleep better”", "pt2": "Raj", "pt3": "Una"}
    reasons = " ".join(tally(replace(ballot_from_record(rec), labels=labels)).reasons)
    assert not re.search(r"\bp[rt]\d\b", reasons), reasons
    assert "“" in reasons, reasons
    if rule in ("unanimity", "consent", "fist_of_five", "decider"):
        assert "Raj" in reasons or "Una" in reasons, reasons


@given(records(), st.randoms())
def test_tally_does_not_depend_on_the_order_of_votes_or_electorate(rec, random):
    shuffled = rec | {"votes": list(rec["votes"]), "electorate": list(rec["electorate"])}
    random.shuffle(shuffled["votes"])
    random.shuffle(shuffled["electorate"])
    first = tally(ballot_from_record(rec)).to_dict()
    assert tally(ballot_from_record(shuffled)).to_dict() == first


@given(records("consent"))
def test_consent_gives_no_verdict_exactly_while_a_ruling_could_change_it(rec):
    result = tally(ballot_from_record(rec))
    objections = [v for v in rec["votes"] if v["choice"] == "objection"]
    unruled = {v["voter"] for v in objections if not v.get("ruled_out") and not v.get("upheld")}
    everyone = len(rec["votes"]) == len(rec["electorate"])
    decided = any(v.get("upheld") for v in objections) or not everyone
    assert set(result.awaiting_ruling) == (set() if decided else unruled)
    assert not (result.passed and result.awaiting_ruling)


@given(st.sampled_from(["dot", "ranked"]).flatmap(records), st.data())
def test_a_tie_broken_by_the_decider_gives_one_of_the_tied(rec, data):
    result = tally(ballot_from_record(rec))
    if result.winner is not None or not result.ranking or not result.ties:
        return
    tied = result.ties[0] if result.ties[0][0] == result.ranking[0] else ()
    if not tied:
        return
    chosen = data.draw(st.sampled_from(tied))
    decision = {"by": "p", "winner": chosen, "rationale": "why"}
    broken = tally(ballot_from_record(rec | {"decision": decision}))
    assert broken.winner == chosen and broken.ranking[0] == chosen
    assert sorted(broken.ranking) == sorted(result.ranking)


@given(records("unanimity"))
def test_unanimity_passes_exactly_when_every_member_agreed(rec):
    agreed = {vote["voter"] for vote in rec["votes"] if vote["choice"] == "agree"}
    everyone = bool(rec["electorate"]) and agreed == set(rec["electorate"])
    assert tally(ballot_from_record(rec)).passed is everyone


def condorcet_winner(options, votes):
    """The option every other loses to head to head, or None; written apart from the code."""

    def prefers(ranking, x, y):
        place = {option: i for i, option in enumerate(ranking)}
        return place.get(x, len(ranking)) < place.get(y, len(ranking))

    for x in options:
        others = [y for y in options if y != x]
        wins = [
            sum(prefers(v["ranking"], x, y) for v in votes)
            > sum(prefers(v["ranking"], y, x) for v in votes)
            for y in others
        ]
        if all(wins):
            return x
    return None


@given(records("ranked"))
def test_the_condorcet_winner_is_the_schulze_winner(rec):
    winner = condorcet_winner(rec["options"], rec["votes"])
    assume(winner is not None and rec["votes"])
    result = tally(ballot_from_record(rec))
    assert result.winner == winner
    assert result.ranking[0] == winner


@given(records("ranked"))
def test_schulze_ranking_holds_every_option_once_in_schulze_order(rec):
    result = tally(ballot_from_record(rec))
    assert sorted(result.ranking) == sorted(rec["options"])
    assert all(len(tie) > 1 for tie in result.ties)
    paths, place = result.counts["strongest_paths"], result.ranking.index
    beaten = [(x, y) for x in paths for y in paths[x] if paths[x][y] > paths[y][x]]
    assert all(place(x) < place(y) for x, y in beaten)


@given(records("dot"))
def test_dot_totals_are_the_sum_of_the_dots_cast(rec):
    result = tally(ballot_from_record(rec))
    cast = Counter()
    for vote in rec["votes"]:
        cast.update(vote["dots"])
    assert result.counts == {option: cast[option] for option in rec["options"]}
    totals = [result.counts[option] for option in result.ranking]
    assert totals == sorted(totals, reverse=True)


@given(records("majority"), st.integers(0, 100))
def test_majority_never_passes_below_the_quorum(rec, percent):
    rec["settings"]["quorum"] = percent / 100
    result = tally(ballot_from_record(rec))
    if 100 * result.turnout < percent * result.electorate_size:
        assert result.passed is False
    if rec["electorate"]:
        met = result.turnout >= Fraction(percent, 100) * len(rec["electorate"])
        assert result.reasons[1].startswith("Enough people" if met else "Too few people")


def test_a_schulze_winner_is_explained_by_the_real_head_to_head_counts():
    """B beats each of the others 3 to 2 head to head; strongest paths would say 3 to 0."""
    votes = rankings((2, "ABCD"), (2, "DCBA"), (1, "BCDA"))
    result = count("ranked", votes, options="ABCD")
    assert result.winner == "B"
    said = "B beats every other option head to head: against A 3 to 2, against C 3 to 2,"
    assert f"{said} against D 3 to 2." in result.reasons


def test_a_schulze_winner_out_of_a_cycle_is_explained_by_its_strongest_paths():
    """The example of docs/rules.md: A beats B 6 to 3 but loses to C 4 to 5."""
    votes = rankings((4, "ABC"), (3, "BCA"), (2, "CAB"))
    result = count(
        "ranked", votes, options="ABC", electorate=[*people(1), *(v["voter"] for v in votes)]
    )
    assert result.winner == "A"
    reasons = " ".join(result.reasons)
    assert "beats every other option" not in reasons
    assert "Head to head, A wins against B 6 to 3 and loses against C 4 to 5." in reasons
    assert "strongest path" in reasons and "to C 6 against 5 back" in reasons


@pytest.mark.parametrize(
    ("ranking", "ties", "chosen", "numbers"),
    [
        ("ABC", [], None, [1, 2, 3]),
        ("ABC", ["BC"], None, [1, 2, 2]),  # "Final order: 1. A, 2. B and C (tied)"
        ("ABC", ["AB"], None, [1, 1, 2]),
        ("ABCD", ["AB", "CD"], None, [1, 1, 2, 2]),
        ("ABC", ["AB"], "A", [1, 2, 3]),  # the decider chose A from the tie
        ("ABCD", ["ABC"], "A", [1, 2, 2, 3]),
    ],
)
def test_tied_options_share_their_place_number(ranking, ties, chosen, numbers):
    shown = numbered(list(ranking), [list(tie) for tie in ties], chosen)
    assert shown == list(zip(numbers, ranking, strict=True))


def test_a_tie_in_ranked_advice_is_the_deciders_to_settle():
    """The advice said "the tie goes back to the facilitator", who has no runoff to hold in
    a decider ballot: the decider chooses."""
    votes = [{"voter": "a", "ranking": ["A", "B"]}, {"voter": "b", "ranking": ["B", "A"]}]
    settings = {"advisory_rule": "ranked", "decider": "a"}
    reasons = count("decider", votes, options="AB", settings=settings).reasons
    assert "Advice: A and B tie for first place: the decider chooses." in reasons
    assert not any("goes back to the facilitator" in reason for reason in reasons)


def test_ranked_advice_says_which_came_first():
    """It said "The advice (ranked choice): ranked."."""
    votes = [{"voter": "a", "ranking": ["B", "A"]}, {"voter": "b", "ranking": ["B", "A"]}]
    settings = {"advisory_rule": "ranked", "decider": "a"}
    reasons = count("decider", votes, options="AB", settings=settings).reasons
    assert reasons[0] == "The advice (ranked choice): B came first."
