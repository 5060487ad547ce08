"""A whole ballot: read a stored record and refuse anything a recount could not trust."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from workshop.domain.errors import InvalidInput
from workshop.domain.rules.ballot import (
    RULE_NAMES,
    YES_NO_RULES,
    Ballot,
    check_rule,
    resolve_settings,
)
from workshop.domain.rules.votes import checked_vote
from workshop.domain.text import natural_key, shown


def ballot_from_record(record: Mapping) -> Ballot:
    """Read a ballot record (API.md), refusing anything a recount could not trust."""
    if not isinstance(record, Mapping):
        raise InvalidInput(f"a ballot record must be a JSON object, got {shown(record)}")
    unrevealed = "result" in record and record["result"] is None  # as the minutes export it
    for key in ("rule", "options", "electorate", "votes"):
        if key not in record and not (key == "votes" and unrevealed):
            raise InvalidInput(f"the ballot record has no {shown(key)}")
    if record.get("votes") is None:
        raise InvalidInput(
            "the ballot was not revealed: its votes are secret, so it cannot be recounted"
        )
    ballot = Ballot(
        rule=record["rule"],
        options=_id_list("options", record["options"]),
        electorate=_id_list("electorate", record["electorate"]),
        settings=record.get("settings"),
        votes=_vote_list(record["votes"]),
        decision=record.get("decision"),
        labels=_labels(record.get("labels", {})),
    )
    return checked_ballot(ballot)


def _labels(labels: object) -> dict[str, str]:
    """Optional words for ids in the reasons, e.g. {"pr1": "“Move more”"}: text for text."""
    if not isinstance(labels, Mapping):
        raise InvalidInput(f"labels must be an object of id to text, got {shown(labels)}")
    for key, label in labels.items():
        if not isinstance(label, str) or not label.strip():
            raise InvalidInput(
                f"labels[{shown(key)}] must be a non-empty string, got {shown(label)}"
            )
    return dict(labels)


def _id_list(field: str, values: object) -> tuple[str, ...]:
    """A list of distinct, non-empty names: options or voter ids."""
    if not isinstance(values, (list, tuple)):
        raise InvalidInput(f"{field} must be a list of strings, got {shown(values)}")
    seen: set[str] = set()
    for index, value in enumerate(values):
        if not isinstance(value, str) or not value.strip():
            raise InvalidInput(f"{field}[{index}] must be a non-empty string, got {shown(value)}")
        if value in seen:
            raise InvalidInput(f"{field} lists {shown(value)} twice")
        seen.add(value)
    return tuple(values)


def _vote_list(votes: object) -> tuple[Mapping, ...]:
    if not isinstance(votes, (list, tuple)):
        raise InvalidInput(f"votes must be a list, got {shown(votes)}")
    return tuple(votes)


def checked_ballot(ballot: Ballot) -> Ballot:
    """The ballot with settings resolved and votes normalized and sorted: order never matters."""
    rule = check_rule(ballot.rule)
    options = _id_list("options", ballot.options)
    if not options:  # nothing to pass, rank or name in a reason
        raise InvalidInput("options must name at least one option, got none")
    electorate = _id_list("electorate", ballot.electorate)
    settings = resolve_settings(rule, options, ballot.settings)
    counted = settings["advisory_rule"] if rule == "decider" else rule
    if counted in YES_NO_RULES and len(options) > 1:
        raise InvalidInput(f"a {counted} vote decides one option, got {len(options)} options")
    votes = _checked_votes(rule, options, electorate, settings, _vote_list(ballot.votes))
    checked = _DECISIONS.get(rule)
    decision = checked(ballot.decision, settings, options) if checked else None
    return Ballot(rule, options, electorate, settings, votes, decision, ballot.labels)


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
            raise InvalidInput(f"votes[{index}] must be an object, got {shown(vote)}")
        voter = vote.get("voter")
        if not isinstance(voter, str) or not voter:
            raise InvalidInput(f"votes[{index}].voter must be a voter's id, got {shown(voter)}")
        if voter not in members:
            raise InvalidInput(f"votes[{index}]: voter {shown(voter)} is not in the electorate")
        if voter in seen:
            raise InvalidInput(f"votes[{index}]: voter {shown(voter)} voted twice")
        seen.add(voter)
        try:
            normalized = checked_vote(rule, vote, options, settings)
        except InvalidInput as error:
            raise InvalidInput(f"votes[{index}] (voter {shown(voter)}): {error.message}") from None
        checked.append({"voter": voter, **normalized})
    return tuple(sorted(checked, key=lambda vote: natural_key(vote["voter"])))


def _checked_decision(decision: object, settings: Mapping, options: Sequence[str]) -> dict | None:
    """The decider's recorded decision and its required rationale: passed or not, or, when
    the advice ranked several options (dot or ranked), the option that goes forward."""
    if decision is None:
        return None
    advice = settings["advisory_rule"]
    chooses = advice not in YES_NO_RULES
    by, rationale = _decided_by(decision, "winner" if chooses else "passed")
    if settings["decider"] is not None and by != settings["decider"]:
        raise InvalidInput(
            f"decision.by must be the decider {shown(settings['decider'])}, got {shown(by)}"
        )
    if chooses:
        winner = decision.get("winner")
        if winner not in options:
            raise InvalidInput(
                f"decision.winner must name one of the options ({', '.join(options)}): after"
                f" advice by {RULE_NAMES[advice]} the decider chooses the option that goes"
                f" forward, got {shown(winner)}"
            )
        return {"by": by, "winner": winner, "rationale": rationale}
    passed = decision.get("passed")
    if not isinstance(passed, bool):
        raise InvalidInput(f"decision.passed must be true or false, got {shown(passed)}")
    return {"by": by, "passed": passed, "rationale": rationale}


def _checked_tie_decision(
    decision: object, settings: Mapping, options: Sequence[str]
) -> dict | None:
    """The decider's choice among the options tied for first place, with a rationale."""
    if decision is None:
        return None
    by, rationale = _decided_by(decision, "winner")
    winner = decision.get("winner")
    if not isinstance(winner, str) or not winner.strip():
        raise InvalidInput(
            f"decision.winner must name one of the tied options, got {shown(winner)}"
        )
    return {"by": by, "winner": winner, "rationale": rationale}


def _decided_by(decision: object, what: str) -> tuple[str, str]:
    """Who decided and why: both required, for the minutes."""
    if not isinstance(decision, Mapping):
        raise InvalidInput(
            f"decision must be an object with by, {what} and rationale, got {shown(decision)}"
        )
    by, rationale = decision.get("by"), decision.get("rationale")
    if not isinstance(by, str) or not by.strip():
        raise InvalidInput(f"decision.by must name the decider, got {shown(by)}")
    if not isinstance(rationale, str) or not rationale.strip():
        raise InvalidInput("decision.rationale is required: say why")
    return by, rationale.strip()


_DECISIONS = {
    "decider": _checked_decision,
    "dot": _checked_tie_decision,
    "ranked": _checked_tie_decision,
}
