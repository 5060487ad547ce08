"""A result in words: the verdict, and the report `workshop tally` prints."""

from __future__ import annotations

from collections.abc import Callable

from workshop.domain.rules.ballot import Result


def result_text(result: Result, label: Callable[[str], str] = str) -> str:
    """The report `workshop tally` prints: verdict first, then every reason. Options are
    named as the reasons name them (`label`: a record's labels), their ids beside."""

    def named(option: str) -> str:
        return option if label(option) == option else f"{label(option)} ({option})"

    lines = [
        f"rule: {result.rule}",
        f"result: {verdict(result)}",
        f"winner: {named(result.winner) if result.winner else 'none'}",
        f"turnout: {result.turnout} of {result.electorate_size}",
    ]
    if result.ranking:
        lines.append("ranking: " + ", ".join(named(option) for option in result.ranking))
    lines.append("why:")
    lines += [f"  - {reason}" for reason in result.reasons]
    return "\n".join(lines)


def verdict(result: Result) -> str:
    """Passed, did not pass, awaiting a ruling, or ranked (with or without a single winner)."""
    if result.awaiting_ruling:
        return "no verdict yet: awaiting the facilitator's ruling"
    if result.passed is None:
        return "ranked" if result.winner else "ranked, no single winner"
    return "passed" if result.passed else "did not pass"
