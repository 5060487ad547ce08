"""Decision rules: one pure tally, so the live room, the minutes and the CLI always agree.

A ballot is a plain record (see the API's "Ballot record"); `tally` recounts it from its
votes and says why it passed or not. Nothing here reads the clock, the disk or the network.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, fields
from fractions import Fraction

from workshop.domain.errors import InvalidInput
from workshop.domain.text import optional_text

RULES = ("unanimity", "consent", "majority", "fist_of_five", "dot", "ranked", "decider")
YES_NO_RULES = ("unanimity", "consent", "majority", "fist_of_five", "decider")
ADVISORY_RULES = tuple(rule for rule in RULES if rule != "decider")

_CHOICES = {
    "unanimity": ("agree", "disagree", "abstain"),
    "majority": ("agree", "disagree", "abstain"),
    "consent": ("consent", "concern", "objection"),
}
_NOBODY = "nobody could vote: the electorate is empty"


@dataclass(frozen=True)
class Ballot:
    """One ballot as stored: the rule, what is voted on, who may vote, and the votes cast."""

    rule: str
    options: tuple[str, ...]
    electorate: tuple[str, ...]
    settings: Mapping
    votes: tuple[Mapping, ...]
    decision: Mapping | None = None


@dataclass(frozen=True)
class Result:
    """The outcome of a ballot with every number and sentence the minutes need to explain it."""

    rule: str
    passed: bool | None
    winner: str | None
    ranking: tuple[str, ...]
    reasons: tuple[str, ...]
    counts: Mapping
    turnout: int
    electorate_size: int
    low_voters: tuple[str, ...] = ()
    concerns: tuple[Mapping, ...] = ()
    objections: tuple[Mapping, ...] = ()
    ties: tuple[tuple[str, ...], ...] = ()
    advisory: Result | None = None

    def to_dict(self) -> dict:
        """JSON-ready: tuples become lists, mappings plain dicts, the advisory a nested dict."""
        data = {f.name: _plain(getattr(self, f.name)) for f in fields(self) if f.name != "advisory"}
        data["advisory"] = self.advisory.to_dict() if self.advisory else None
        return data


def _plain(value: object) -> object:
    if isinstance(value, Mapping):
        return {str(key): _plain(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(item) for item in value]
    return value


# --- settings -------------------------------------------------------------------------------


def default_settings(rule: str, options: Sequence[str]) -> dict:
    """The settings a ballot gets when the facilitator sets none."""
    _check_rule(rule)
    dots = max(1, math.ceil(len(options) / 3))
    return {
        "quorum": 0.5,
        "supermajority": False,
        "dots": dots,
        "max_per_option": dots,
        "advisory_rule": "consent",
        "decider": None,
    }


def _resolve_settings(rule: str, options: Sequence[str], given: object) -> dict:
    """Defaults overlaid with the given settings, each checked; unknown keys are dropped."""
    if given is None:
        given = {}
    if not isinstance(given, Mapping):
        raise InvalidInput(f"settings must be an object, got {_kind(given)}")
    settings = default_settings(rule, options)
    if "dots" in given and "max_per_option" not in given:
        settings["max_per_option"] = given["dots"]
    settings.update({key: given[key] for key in settings if key in given})
    for key, check in _SETTING_CHECKS.items():
        if not check(settings[key]):
            raise InvalidInput(
                f"settings.{key} must be {_SETTING_HELP[key]}, got {settings[key]!r}"
            )
    return settings


def _is_count(value: object, least: int) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= least


def _is_share(value: object) -> bool:
    number = isinstance(value, (int, float)) and not isinstance(value, bool)
    return number and 0 <= value <= 1


_SETTING_CHECKS: dict[str, Callable[[object], bool]] = {
    "quorum": _is_share,
    "supermajority": lambda value: isinstance(value, bool),
    "dots": lambda value: _is_count(value, 1),
    "max_per_option": lambda value: _is_count(value, 1),
    "advisory_rule": lambda value: value in ADVISORY_RULES,
    "decider": lambda value: value is None or (isinstance(value, str) and value.strip() != ""),
}
_SETTING_HELP = {
    "quorum": "a share of the electorate from 0 to 1",
    "supermajority": "true or false",
    "dots": "a whole number 1 or more",
    "max_per_option": "a whole number 1 or more",
    "advisory_rule": "one of " + ", ".join(ADVISORY_RULES),
    "decider": "a voter id",
}


# --- one vote -------------------------------------------------------------------------------


def normalize_vote(rule: str, vote: Mapping, options: Sequence[str], settings: Mapping) -> dict:
    """Check one voter's vote for `rule` and keep only the fields that rule knows."""
    _check_rule(rule)
    settings = _resolve_settings(rule, options, settings)
    if rule == "decider":
        rule = settings["advisory_rule"]
    if not isinstance(vote, Mapping):
        raise InvalidInput(f"a vote must be an object, got {_kind(vote)}")
    normalized = _VOTE_CHECKS[rule](vote, options, settings)
    reason = _optional_text(vote, "reason")
    if reason:
        normalized["reason"] = reason
    return normalized


def _optional_text(vote: Mapping, key: str) -> str:
    """Typed text: no markup, no control characters, at most TEXT_MAX characters."""
    return optional_text(vote.get(key), key) or ""


def _choice(vote: Mapping, allowed: Sequence[str]) -> str:
    choice = vote.get("choice")
    if choice not in allowed:
        raise InvalidInput(f"choice must be one of {', '.join(allowed)}, got {choice!r}")
    return choice


def _yes_no_vote(vote: Mapping, options: Sequence[str], settings: Mapping) -> dict:
    return {"choice": _choice(vote, _CHOICES["majority"])}


def _consent_vote(vote: Mapping, options: Sequence[str], settings: Mapping) -> dict:
    choice = _choice(vote, _CHOICES["consent"])
    if choice == "objection" and not _optional_text(vote, "reason"):
        raise InvalidInput("an objection needs a reason: say what harm it does to the aim")
    normalized: dict = {"choice": choice}
    ruled_out = vote.get("ruled_out")
    if ruled_out is not None:
        if choice != "objection":
            raise InvalidInput(f"ruled_out applies only to an objection, not to a {choice}")
        normalized["ruled_out"] = _ruling(ruled_out)
    return normalized


def _ruling(ruled_out: object) -> dict:
    """A facilitator's ruling that an objection is not paramount: who, and why."""
    if not isinstance(ruled_out, Mapping):
        raise InvalidInput(
            f"ruled_out must be an object with by and reason, got {_kind(ruled_out)}"
        )
    by, reason = ruled_out.get("by"), ruled_out.get("reason")
    if not isinstance(by, str) or not by.strip():
        raise InvalidInput(f"ruled_out.by must name who ruled, got {by!r}")
    if not isinstance(reason, str) or not reason.strip():
        raise InvalidInput("ruled_out.reason must say why the objection is not paramount")
    return {"by": by.strip(), "reason": reason.strip()}


def _fist_vote(vote: Mapping, options: Sequence[str], settings: Mapping) -> dict:
    value = vote.get("value")
    if not _is_count(value, 0) or value > 5:
        raise InvalidInput(f"value must be a whole number 0 to 5, got {value!r}")
    return {"value": value}


def _dot_vote(vote: Mapping, options: Sequence[str], settings: Mapping) -> dict:
    dots = vote.get("dots")
    if not isinstance(dots, Mapping):
        raise InvalidInput(f"dots must be an object of option to number of dots, got {_kind(dots)}")
    for option, count in dots.items():
        if option not in options:
            raise InvalidInput(f"dots name unknown option {option!r}")
        if not _is_count(count, 0):
            raise InvalidInput(
                f"dots on {option!r} must be a whole number 0 or more, got {count!r}"
            )
        if count > settings["max_per_option"]:
            raise InvalidInput(
                f"dots on {option!r}: at most {settings['max_per_option']} per option, got {count}"
            )
    spent = sum(dots.values())
    if spent > settings["dots"]:
        raise InvalidInput(f"dots: {spent} dots spent, the budget is {settings['dots']}")
    return {"dots": {option: dots[option] for option in options if dots.get(option)}}


def _ranked_vote(vote: Mapping, options: Sequence[str], settings: Mapping) -> dict:
    ranking = vote.get("ranking")
    if not isinstance(ranking, (list, tuple)):
        raise InvalidInput(f"ranking must be a list of options, best first, got {_kind(ranking)}")
    seen: set[str] = set()
    for option in ranking:
        if not isinstance(option, str) or option not in options:
            raise InvalidInput(f"ranking names unknown option {option!r}")
        if option in seen:
            raise InvalidInput(f"ranking lists {option!r} twice")
        seen.add(option)
    return {"ranking": list(ranking)}


_VOTE_CHECKS = {
    "unanimity": _yes_no_vote,
    "majority": _yes_no_vote,
    "consent": _consent_vote,
    "fist_of_five": _fist_vote,
    "dot": _dot_vote,
    "ranked": _ranked_vote,
}


# --- a whole ballot -------------------------------------------------------------------------


def ballot_from_record(record: Mapping) -> Ballot:
    """Read a ballot record (API.md), refusing anything a recount could not trust."""
    if not isinstance(record, Mapping):
        raise InvalidInput(f"a ballot record must be a JSON object, got {_kind(record)}")
    for key in ("rule", "options", "electorate", "votes"):
        if key not in record:
            raise InvalidInput(f"the ballot record has no {key!r}")
    ballot = Ballot(
        rule=record["rule"],
        options=_id_list("options", record["options"]),
        electorate=_id_list("electorate", record["electorate"]),
        settings=record.get("settings"),
        votes=_vote_list(record["votes"]),
        decision=record.get("decision"),
    )
    return _checked(ballot)


def _id_list(field: str, values: object) -> tuple[str, ...]:
    """A list of distinct, non-empty names: options or voter ids."""
    if not isinstance(values, (list, tuple)):
        raise InvalidInput(f"{field} must be a list of strings, got {_kind(values)}")
    seen: set[str] = set()
    for index, value in enumerate(values):
        if not isinstance(value, str) or not value.strip():
            raise InvalidInput(f"{field}[{index}] must be a non-empty string, got {value!r}")
        if value in seen:
            raise InvalidInput(f"{field} lists {value!r} twice")
        seen.add(value)
    return tuple(values)


def _vote_list(votes: object) -> tuple[Mapping, ...]:
    if not isinstance(votes, (list, tuple)):
        raise InvalidInput(f"votes must be a list, got {_kind(votes)}")
    return tuple(votes)


def _check_rule(rule: object) -> str:
    if rule not in RULES:
        raise InvalidInput(f"rule must be one of {', '.join(RULES)}, got {rule!r}")
    return rule


def _checked(ballot: Ballot) -> Ballot:
    """The ballot with settings resolved and votes normalized and sorted: order never matters."""
    rule = _check_rule(ballot.rule)
    options = _id_list("options", ballot.options)
    electorate = _id_list("electorate", ballot.electorate)
    settings = _resolve_settings(rule, options, ballot.settings)
    counted = settings["advisory_rule"] if rule == "decider" else rule
    if counted in YES_NO_RULES and len(options) > 1:
        raise InvalidInput(f"a {counted} vote decides one option, got {len(options)} options")
    votes = _checked_votes(rule, options, electorate, settings, _vote_list(ballot.votes))
    decision = _checked_decision(ballot.decision, settings) if rule == "decider" else None
    return Ballot(rule, options, electorate, settings, votes, decision)


def _checked_votes(
    rule: str,
    options: Sequence[str],
    electorate: Sequence[str],
    settings: Mapping,
    votes: Sequence[object],
) -> tuple[dict, ...]:
    members, seen, checked = set(electorate), set(), []
    for index, vote in enumerate(votes):
        if not isinstance(vote, Mapping):
            raise InvalidInput(f"votes[{index}] must be an object, got {_kind(vote)}")
        voter = vote.get("voter")
        if voter not in members:
            raise InvalidInput(f"votes[{index}]: voter {voter!r} is not in the electorate")
        if voter in seen:
            raise InvalidInput(f"votes[{index}]: voter {voter!r} voted twice")
        seen.add(voter)
        try:
            normalized = normalize_vote(rule, vote, options, settings)
        except InvalidInput as error:
            raise InvalidInput(f"votes[{index}] (voter {voter!r}): {error.message}") from None
        checked.append({"voter": voter, **normalized})
    return tuple(sorted(checked, key=lambda vote: vote["voter"]))


def _checked_decision(decision: object, settings: Mapping) -> dict | None:
    """The decider's recorded decision: who, passed or not, and a rationale that is required."""
    if decision is None:
        return None
    if not isinstance(decision, Mapping):
        raise InvalidInput(
            f"decision must be an object with by, passed and rationale, got {_kind(decision)}"
        )
    by, passed, rationale = decision.get("by"), decision.get("passed"), decision.get("rationale")
    if not isinstance(by, str) or not by.strip():
        raise InvalidInput(f"decision.by must name the decider, got {by!r}")
    if settings["decider"] is not None and by != settings["decider"]:
        raise InvalidInput(f"decision.by must be the decider {settings['decider']!r}, got {by!r}")
    if not isinstance(passed, bool):
        raise InvalidInput(f"decision.passed must be true or false, got {passed!r}")
    if not isinstance(rationale, str) or not rationale.strip():
        raise InvalidInput("decision.rationale is required: say why")
    return {"by": by, "passed": passed, "rationale": rationale.strip()}


# --- tallies --------------------------------------------------------------------------------


def tally(ballot: Ballot) -> Result:
    """Recount a ballot from its votes alone; the same answer whatever order the votes came in."""
    ballot = _checked(ballot)
    return _TALLIES[ballot.rule](ballot)


def _yes_no_result(
    ballot: Ballot, passed: bool, counts: Mapping, reasons: list[str], **extra
) -> Result:
    return Result(
        rule=ballot.rule,
        passed=passed,
        winner=ballot.options[0] if passed and len(ballot.options) == 1 else None,
        ranking=(),
        reasons=tuple(reasons),
        counts=counts,
        turnout=len(ballot.votes),
        electorate_size=len(ballot.electorate),
        **extra,
    )


def _voters_by_choice(ballot: Ballot, choices: Sequence[str]) -> dict[str, list[str]]:
    return {
        choice: [v["voter"] for v in ballot.votes if v["choice"] == choice] for choice in choices
    }


def _not_voted(ballot: Ballot) -> list[str]:
    voted = {vote["voter"] for vote in ballot.votes}
    return sorted(set(ballot.electorate) - voted)


def _tally_unanimity(ballot: Ballot) -> Result:
    """Every member of the electorate must say agree: a silence or an abstention blocks."""
    by_choice = _voters_by_choice(ballot, _CHOICES["unanimity"])
    size = len(ballot.electorate)
    passed = size > 0 and len(by_choice["agree"]) == size
    agreed = f"{len(by_choice['agree'])} of {size} members of the electorate agreed"
    reasons = [agreed if size else _NOBODY]
    if by_choice["disagree"]:
        reasons.append(f"{_names(by_choice['disagree'])} disagreed")
    if by_choice["abstain"]:
        reasons.append(f"{_names(by_choice['abstain'])} abstained, which is not agreeing")
    if missing := _not_voted(ballot):
        reasons.append(f"{_names(missing)} did not vote, which is not agreeing")
    if passed:
        reasons.append("everyone agreed: the proposal passes")
    counts = {choice: len(voters) for choice, voters in by_choice.items()}
    return _yes_no_result(ballot, passed, counts, reasons)


def _tally_majority(ballot: Ballot) -> Result:
    """More than half (or two thirds) of those who took a side, with enough of the room voting."""
    counts = {c: len(v) for c, v in _voters_by_choice(ballot, _CHOICES["majority"]).items()}
    quorum_met, quorum_reason = _quorum(ballot)
    won, share_reason = _share(
        counts["agree"], counts["disagree"], ballot.settings["supermajority"]
    )
    summary = f"{counts['agree']} agree, {counts['disagree']} disagree, {counts['abstain']} abstain"
    reasons = [_NOBODY] if not ballot.electorate else [summary, quorum_reason, share_reason]
    passed = bool(ballot.electorate) and quorum_met and won
    return _yes_no_result(ballot, passed, counts, reasons)


def _quorum(ballot: Ballot) -> tuple[bool, str]:
    """Exact arithmetic, so a quorum of 0.7 of 10 needs 7 votes, not 7.000000000000001."""
    quorum = ballot.settings["quorum"]
    needed = math.ceil(Fraction(str(quorum)) * len(ballot.electorate))
    turnout, size = len(ballot.votes), len(ballot.electorate)
    met = turnout >= needed
    verdict = "quorum met" if met else "quorum not met"
    return met, f"{verdict}: {turnout} of {size} voted, at least {needed} needed (quorum {quorum})"


def _share(agree: int, disagree: int, supermajority: bool) -> tuple[bool, str]:
    decisive = agree + disagree
    if decisive == 0:
        return False, "nobody voted agree or disagree"
    if supermajority:
        won, bar = 3 * agree >= 2 * decisive, "at least two thirds"
    else:
        won, bar = 2 * agree > decisive, "more than half"
    has = "has" if won else "does not have"
    return won, f"agree {has} {bar} of agree and disagree ({agree} of {decisive})"


def _tally_consent(ballot: Ballot) -> Result:
    """Everyone responds and no objection stands; concerns are recorded, not blocking."""
    counts = {c: len(v) for c, v in _voters_by_choice(ballot, _CHOICES["consent"]).items()}
    concerns = tuple(
        {"voter": v["voter"], "reason": v.get("reason", "")}
        for v in ballot.votes
        if v["choice"] == "concern"
    )
    objections = tuple(_objection(v) for v in ballot.votes if v["choice"] == "objection")
    missing = _not_voted(ballot)
    standing = [o for o in objections if o["stands"]]
    passed = bool(ballot.electorate) and not missing and not standing
    reasons = [_NOBODY] if not ballot.electorate else [_consent_summary(ballot, counts)]
    if missing:
        reasons.append(f"{_names(missing)} did not respond: everyone must respond")
    reasons += [_objection_reason(o) for o in objections]
    if concerns:
        reasons.append(f"concerns recorded from {_names([c['voter'] for c in concerns])}")
    if passed:
        reasons.append("everyone responded and no objection stands: the proposal passes")
    return _yes_no_result(ballot, passed, counts, reasons, concerns=concerns, objections=objections)


def _consent_summary(ballot: Ballot, counts: Mapping) -> str:
    return (
        f"{len(ballot.votes)} of {len(ballot.electorate)} responded: {counts['consent']} consent, "
        f"{counts['concern']} concern, {counts['objection']} objection"
    )


def _objection(vote: Mapping) -> dict:
    ruled_out = vote.get("ruled_out")
    return {
        "voter": vote["voter"],
        "reason": vote["reason"],
        "stands": ruled_out is None,
        "ruled_out": ruled_out,
    }


def _objection_reason(objection: Mapping) -> str:
    said = f"{objection['voter']} objected ({objection['reason']})"
    ruling = objection["ruled_out"]
    if ruling is None:
        return f"{said}: the objection stands"
    return f"{said}: ruled not paramount by {ruling['by']} ({ruling['reason']})"


def _tally_fist_of_five(ballot: Ballot) -> Result:
    """Everyone who voted shows 3 or more; whoever showed less speaks first, lowest first."""
    values = {vote["voter"]: vote["value"] for vote in ballot.votes}
    counts = {str(n): sum(1 for v in values.values() if v == n) for n in range(6)}
    low = tuple(sorted((v for v in values if values[v] < 3), key=lambda v: (values[v], v)))
    passed = bool(values) and not low
    reasons = [f"{len(values)} of {len(ballot.electorate)} voted"]
    if not ballot.electorate:
        reasons = [_NOBODY]
    elif not values:
        reasons.append("no votes were cast")
    if low:
        shown = ", ".join(f"{v} showed {values[v]}" for v in low)
        reasons.append(f"below 3: {shown}; they get the floor first")
    if passed:
        reasons.append(
            f"every vote is 3 or more (lowest {min(values.values())}): the proposal passes"
        )
    return _yes_no_result(ballot, passed, counts, reasons, low_voters=low)


def _tally_dot(ballot: Ballot) -> Result:
    """Rank options by dots; the facilitator takes the top ones forward, ties shown."""
    totals = {option: 0 for option in ballot.options}
    for vote in ballot.votes:
        for option, count in vote["dots"].items():
            totals[option] += count
    places = _places(ballot.options, lambda option: -totals[option])
    spent = sum(totals.values())
    settings = ballot.settings
    reasons = [
        f"{_dots(spent)} cast by {len(ballot.votes)} of {len(ballot.electorate)} voters "
        f"(budget {settings['dots']} each, at most {settings['max_per_option']} per option)",
        "totals: " + ", ".join(f"{option} {totals[option]}" for option in ballot.options),
    ]
    reasons += [
        f"{_names(place)} tie with {_dots(totals[place[0]])}" for place in places if len(place) > 1
    ]
    winner = _top(places) if spent else None
    reasons.append(_winner_reason(winner, places, spent > 0, "no dots were cast"))
    return _ranked_result(ballot, places, winner, totals, reasons)


def _tally_ranked(ballot: Ballot) -> Result:
    """Schulze: X beats Y when X's strongest path to Y is stronger than Y's back to X."""
    options = ballot.options
    pairwise = _pairwise(options, [vote["ranking"] for vote in ballot.votes])
    paths = _strongest_paths(options, pairwise)
    beats = {(x, y) for x in options for y in options if x != y and paths[x][y] > paths[y][x]}
    places = _layers(options, beats)
    winner = _top(places) if ballot.votes else None
    reasons = [f"{len(ballot.votes)} of {len(ballot.electorate)} voters ranked the options"]
    if winner:
        reasons.append(_schulze_win(winner, options, paths))
    reasons.append(_winner_reason(winner, places, bool(ballot.votes), "no rankings were cast"))
    if len(places) > 1:
        reasons.append("Schulze order: " + " > ".join(" = ".join(place) for place in places))
    counts = {"pairwise": pairwise, "strongest_paths": paths}
    return _ranked_result(ballot, places, winner, counts, reasons)


def _pairwise(options: Sequence[str], rankings: Iterable[Sequence[str]]) -> dict:
    """d[X][Y]: how many voters rank X above Y; unranked options share last place."""
    d = {x: {y: 0 for y in options if y != x} for x in options}
    for ranking in rankings:
        place = {option: index for index, option in enumerate(ranking)}
        for x in options:
            for y in d[x]:
                if place.get(x, len(ranking)) < place.get(y, len(ranking)):
                    d[x][y] += 1
    return d


def _strongest_paths(options: Sequence[str], d: Mapping) -> dict:
    """p[X][Y]: the strength of the widest path of winning links from X to Y (Floyd-Warshall)."""
    p = {x: {y: d[x][y] if d[x][y] > d[y][x] else 0 for y in d[x]} for x in options}
    for k in options:
        for i in options:
            for j in options:
                if len({i, j, k}) == 3:
                    p[i][j] = max(p[i][j], min(p[i][k], p[k][j]))
    return p


def _layers(options: Sequence[str], beats: set[tuple[str, str]]) -> list[tuple[str, ...]]:
    """Places from the top: each place holds the options nobody left beats.

    The Schulze relation is a strict partial order, so every round finds someone, and the
    first place is exactly the set of Schulze winners.
    """
    remaining, places = list(options), []
    while remaining:
        place = tuple(x for x in remaining if not any((y, x) in beats for y in remaining))
        places.append(place)
        remaining = [x for x in remaining if x not in place]
    return places


def _places(options: Sequence[str], key: Callable[[str], int]) -> list[tuple[str, ...]]:
    """Options grouped by equal key, best (lowest key) first, in option order within a group."""
    keys = sorted({key(option) for option in options})
    return [tuple(option for option in options if key(option) == k) for k in keys]


def _top(places: Sequence[tuple[str, ...]]) -> str | None:
    return places[0][0] if places and len(places[0]) == 1 else None


def _schulze_win(winner: str, options: Sequence[str], paths: Mapping) -> str:
    margins = ", ".join(
        f"against {other}: {paths[winner][other]} to {paths[other][winner]}"
        for other in options
        if other != winner
    )
    if not margins:
        return f"{winner} is the only option"
    return f"{winner} beats every other option on strongest paths ({margins})"


def _winner_reason(
    winner: str | None, places: Sequence[tuple[str, ...]], any_cast: bool, empty: str
) -> str:
    if not places:
        return "there are no options"
    if not any_cast:
        return f"{empty}: no winner"
    if winner:
        return f"{winner} is the winner"
    return f"{_names(places[0])} tie for first place: the tie goes back to the facilitator"


def _ranked_result(
    ballot: Ballot,
    places: list[tuple[str, ...]],
    winner: str | None,
    counts: Mapping,
    reasons: list,
) -> Result:
    return Result(
        rule=ballot.rule,
        passed=None,
        winner=winner,
        ranking=tuple(option for place in places for option in place),
        reasons=tuple(reasons),
        counts=counts,
        turnout=len(ballot.votes),
        electorate_size=len(ballot.electorate),
        ties=tuple(place for place in places if len(place) > 1),
    )


def _tally_decider(ballot: Ballot) -> Result:
    """The advisory round informs; the decider's recorded decision, with its rationale, decides."""
    advisory_rule = ballot.settings["advisory_rule"]
    advisory = _TALLIES[advisory_rule](
        Ballot(advisory_rule, ballot.options, ballot.electorate, ballot.settings, ballot.votes)
    )
    decision = ballot.decision
    reasons = [f"advisory {advisory_rule} round: {_verdict(advisory)}"]
    reasons += [f"advisory: {reason}" for reason in advisory.reasons]
    if decision is None:
        reasons.append("no decision recorded yet")
    else:
        verdict = "passes" if decision["passed"] else "does not pass"
        reasons.append(f"{decision['by']} decided the proposal {verdict}: {decision['rationale']}")
        if advisory.passed is not None and advisory.passed != decision["passed"]:
            reasons.append("the decision goes against the advisory result")
    passed = bool(decision and decision["passed"])
    return _yes_no_result(ballot, passed, advisory.counts, reasons, advisory=advisory)


_TALLIES: dict[str, Callable[[Ballot], Result]] = {
    "unanimity": _tally_unanimity,
    "consent": _tally_consent,
    "majority": _tally_majority,
    "fist_of_five": _tally_fist_of_five,
    "dot": _tally_dot,
    "ranked": _tally_ranked,
    "decider": _tally_decider,
}


# --- text -----------------------------------------------------------------------------------


def result_text(result: Result) -> str:
    """The report `workshop tally` prints: verdict first, then every reason."""
    lines = [
        f"rule: {result.rule}",
        f"result: {_verdict(result)}",
        f"winner: {result.winner or 'none'}",
        f"turnout: {result.turnout} of {result.electorate_size}",
    ]
    if result.ranking:
        lines.append("ranking: " + ", ".join(result.ranking))
    lines.append("why:")
    lines += [f"  - {reason}" for reason in result.reasons]
    return "\n".join(lines)


def _verdict(result: Result) -> str:
    if result.passed is None:
        return "ranked" if result.winner else "ranked, no single winner"
    return "passed" if result.passed else "did not pass"


def _dots(count: int) -> str:
    return "1 dot" if count == 1 else f"{count} dots"


def _names(names: Sequence[str]) -> str:
    """'a', 'a and b', 'a, b and c': for sentences a facilitator reads aloud."""
    names = list(names)
    if len(names) <= 1:
        return "".join(names)
    return ", ".join(names[:-1]) + " and " + names[-1]


def _kind(value: object) -> str:
    """The JSON name of a value's type, for messages about the wrong type."""
    kinds = {bool: "a boolean", str: "a string", int: "a number", float: "a number"}
    if value is None:
        return "null"
    if isinstance(value, Mapping):
        return "an object"
    if isinstance(value, (list, tuple)):
        return "a list"
    return kinds.get(type(value), type(value).__name__)
