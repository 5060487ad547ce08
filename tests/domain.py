"""A session in the pure domain, for tests: `decide` and `apply` alone, on a clock the test
moves, read through `views.snapshot`, exactly what a page receives."""

from __future__ import annotations

from workshop.domain import views
from workshop.domain.session import created
from workshop.domain.workshop import Context, WorkshopState, apply, decide

FAC = "pt1"


class Domain:
    """One session in memory: every change goes through `decide`, then `apply`."""

    def __init__(
        self, kind: str = "strategizing", names: tuple[str, ...] = (), chain: dict | None = None
    ) -> None:
        """A session of `kind` (from `chain`, if given) with `names` joined as team members;
        everyone is present except those the test puts in `absent`."""
        self.state = WorkshopState(id="w1")
        self.log: list[dict] = []  # every event applied, as the store would keep it
        self.now = 1_800_000_000.0
        self.absent: set[str] = set()
        first = created(kind, "Flows", None, chain)
        self.fold([first])
        self.ids = {name: self.join(name) for name in names}

    def fold(self, events: list[dict]) -> list[dict]:
        for item in events:
            item.setdefault("at", self.now)
            apply(self.state, item)
            self.log.append(item)
        return events

    def join(self, name: str, role: str = "team") -> str:
        joined = self.do("system", "join", name=name, role=role)
        return joined[0]["participant"]["id"]

    def do(self, actor: str, command: str, **payload: object) -> list[dict]:
        events = decide(self.state, actor, command, payload, Context(self.now, self.present()))
        return self.fold(events)

    def advance(self, seconds: float) -> None:
        self.now += seconds

    def speak(self, pid: str, seconds: float) -> None:
        """`pid` holds the floor for `seconds`, then yields."""
        self.do(FAC, "grant_floor", participant_id=pid)
        self.advance(seconds)
        self.do(pid, "end_turn")

    def present(self) -> frozenset[str]:
        return frozenset(self.state.participants) - self.absent

    def floor(self, viewer: str = FAC) -> dict:
        return views.snapshot(self.state, viewer, self.present())["floor"]

    def holder(self) -> str | None:
        holder = self.state.floor.holder
        return holder.participant_id if holder else None
