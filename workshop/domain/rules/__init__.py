"""Decision rules: one pure tally, so the live room, the minutes and the CLI always agree.

A ballot is a plain record (see the API's "Ballot record"); `tally` recounts it from its
votes and says why it passed or not. Nothing here reads the clock, the disk or the network.
"""

from workshop.domain.rules.ballot import RULES, YES_NO_RULES, Ballot, default_settings
from workshop.domain.rules.records import ballot_from_record
from workshop.domain.rules.recount import tally
from workshop.domain.rules.report import result_text
from workshop.domain.rules.votes import normalize_vote

__all__ = [
    "RULES",
    "YES_NO_RULES",
    "Ballot",
    "ballot_from_record",
    "default_settings",
    "normalize_vote",
    "result_text",
    "tally",
]
