"""One vote: check it against its rule and keep only the fields that rule knows."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from workshop.domain.errors import InvalidInput
from workshop.domain.rules.ballot import CHOICES, check_rule, is_count, resolve_settings
from workshop.domain.text import optional_text, shown


def normalize_vote(rule: str, vote: Mapping, options: Sequence[str], settings: Mapping) -> dict:
    """Check one voter's vote for `rule` and keep only the fields that rule knows."""
    check_rule(rule)
    return checked_vote(rule, vote, options, resolve_settings(rule, options, settings))


def checked_vote(rule: str, vote: Mapping, options: Sequence[str], settings: Mapping) -> dict:
    """`normalize_vote` with the ballot's rule and settings checked already: a ballot's votes
    are checked against settings resolved once, not once per vote (a reveal of 250 votes)."""
    advice = rule == "decider"
    if advice:
        rule = settings["advisory_rule"]
    if not isinstance(vote, Mapping):
        raise InvalidInput(f"a vote must be an object, got {shown(vote)}")
    normalized = _VOTE_CHECKS[rule](vote, options, settings)
    if advice and RULINGS.keys() & normalized.keys():
        raise InvalidInput(
            "an objection to a decider is advice, which the decider weighs: nobody rules on it"
            " (no upheld or ruled_out)"
        )
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
        raise InvalidInput(f"choice must be one of {', '.join(allowed)}, got {shown(choice)}")
    return choice


def _yes_no_vote(vote: Mapping, options: Sequence[str], settings: Mapping) -> dict:
    return {"choice": _choice(vote, CHOICES["majority"])}


def _consent_vote(vote: Mapping, options: Sequence[str], settings: Mapping) -> dict:
    choice = _choice(vote, CHOICES["consent"])
    if choice == "objection" and not _optional_text(vote, "reason"):
        raise InvalidInput("an objection needs a reason: say what harm it does to the aim")
    normalized: dict = {"choice": choice}
    for key in RULINGS:
        if vote.get(key) is not None:
            if choice != "objection":
                raise InvalidInput(f"{key} applies only to an objection, not to a {choice}")
            normalized[key] = _ruling(key, vote[key])
    if len(normalized) > 2:
        raise InvalidInput("an objection is either upheld or ruled_out, not both")
    return normalized


# The facilitator's ruling on an objection, as the record carries it.
RULINGS = {"upheld": "why the objection stands", "ruled_out": "why the objection is not paramount"}


def _ruling(key: str, ruling: object) -> dict:
    """A facilitator's ruling on an objection: who, and why."""
    if not isinstance(ruling, Mapping):
        raise InvalidInput(f"{key} must be an object with by and reason, got {shown(ruling)}")
    by, reason = ruling.get("by"), ruling.get("reason")
    if not isinstance(by, str) or not by.strip():
        raise InvalidInput(f"{key}.by must name who ruled, got {shown(by)}")
    if not isinstance(reason, str) or not reason.strip():
        raise InvalidInput(f"{key}.reason must say {RULINGS[key]}")
    return {"by": by.strip(), "reason": reason.strip()}


def _fist_vote(vote: Mapping, options: Sequence[str], settings: Mapping) -> dict:
    value = vote.get("value")
    if not is_count(value, 0) or value > 5:
        raise InvalidInput(f"value must be a whole number 0 to 5, got {shown(value)}")
    return {"value": value}


def _dot_vote(vote: Mapping, options: Sequence[str], settings: Mapping) -> dict:
    dots = vote.get("dots")
    if not isinstance(dots, Mapping):
        raise InvalidInput(f"dots must be an object of option to number of dots, got {shown(dots)}")
    for option, count in dots.items():
        if option not in options:
            raise InvalidInput(f"dots name unknown option {shown(option)}")
        if not is_count(count, 0):
            raise InvalidInput(
                f"dots on {shown(option)} must be a whole number 0 or more, got {shown(count)}"
            )
        if count > settings["max_per_option"]:
            raise InvalidInput(
                f"dots on {shown(option)}: at most {settings['max_per_option']} per option,"
                f" got {shown(count)}"
            )
    spent = sum(dots.values())
    if spent > settings["dots"]:
        raise InvalidInput(f"dots: {spent} dots spent, the budget is {settings['dots']}")
    return {"dots": {option: dots[option] for option in options if dots.get(option)}}


def _ranked_vote(vote: Mapping, options: Sequence[str], settings: Mapping) -> dict:
    ranking = vote.get("ranking")
    if not isinstance(ranking, (list, tuple)):
        raise InvalidInput(f"ranking must be a list of options, best first, got {shown(ranking)}")
    seen: set[str] = set()
    for option in ranking:
        if not isinstance(option, str) or option not in options:
            raise InvalidInput(f"ranking names unknown option {shown(option)}")
        if option in seen:
            raise InvalidInput(f"ranking lists {shown(option)} twice")
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
