"""The working playlist of one turn: tracks, query, focus and the thread's undo history, read from the graph's
state and written back to it, plus what the turn produced besides edits (explanations, an export)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from tools.catalog import Catalog
from tools.refine import item_from
from tools.schema import PlaylistQuery

from agent.tools.registry import ToolError

Snapshot = dict[str, Any]  # {"playlist": [[track_id, reason, score], ...], "query": PlaylistQuery as JSON}


@dataclass
class PlaylistDraft:
    """The thread's playlist as one turn edits it. Items are ``PlaylistItem`` dicts, so checkpoints stay plain."""

    items: list[dict[str, Any]] = field(default_factory=list)
    query: PlaylistQuery = field(default_factory=PlaylistQuery)
    focus: int | None = None  # 1-based position the user last talked about ("why this one?")
    history: list[Snapshot] = field(default_factory=list)  # earlier playlists and queries, newest last, for undo
    redo: list[Snapshot] = field(default_factory=list)  # what undo took back, newest last, until a new change
    fresh: bool = True  # no turn has acted on this thread yet
    rewound: bool = False  # undo or start over wrote the history this turn
    undone_to: Snapshot | None = None  # where this turn's undo went back to (a later change in the turn is undoable)
    info: list[str] = field(default_factory=list)  # explanations shown this turn ("why track 4")
    export: str | None = None  # the format the user asked to export this turn

    @classmethod
    def from_state(cls, state: dict[str, Any]) -> PlaylistDraft:
        """The draft a turn starts from: the thread's saved playlist, query, focus and history (copied)."""
        return cls(
            items=[dict(p) for p in state.get("playlist") or []],
            query=PlaylistQuery.model_validate(state.get("query") or {}),
            focus=state.get("focus"),
            history=list(state.get("history") or []),
            redo=list(state.get("redo") or []),
            fresh=not state.get("query"),
        )

    def ids(self) -> list[str]:
        return [p["track_id"] for p in self.items]

    def snapshot(self) -> Snapshot:
        """A compact undo entry: ids, reasons and scores (the rest comes back from the catalog)."""
        return {
            "playlist": [[p["track_id"], p.get("reason", ""), p.get("score", 0.0)] for p in self.items],
            "query": self.query.model_dump(mode="json"),
        }

    def changed_from(self, before: PlaylistDraft) -> bool:
        """Whether the tracks, their order or the query differ from ``before`` (a first turn always counts)."""
        return (
            before.fresh
            or self.ids() != before.ids()
            or self.query.model_dump(mode="json") != before.query.model_dump(mode="json")
        )

    def undo(self, catalog: Catalog) -> None:
        """Go back to the playlist and query before the last change."""
        if not self.history:
            raise ToolError("There is nothing to undo yet.")
        self.redo.append(self.snapshot())  # "redo" brings back what this undo takes
        prev = self.history.pop()
        while not prev["playlist"] and self.items and self.history:
            prev = self.history.pop()  # "start over", a new request, "undo": the playlist before, not a blank page
        self._load(prev, catalog)
        self.rewound = True
        self.undone_to = self.snapshot()

    def redo_last(self, catalog: Catalog) -> None:
        """Bring back what the last undo took back (the change undone is made again); undo takes it back again."""
        if not self.redo:
            raise ToolError("There is nothing to redo: no undo since the last change.")
        self.history.append(self.snapshot())
        self._load(self.redo.pop(), catalog)
        self.rewound = True
        self.undone_to = None

    def _load(self, snap: Snapshot, catalog: Catalog) -> None:
        self.items = [
            item_from(catalog[tid], reason=reason, score=score).model_dump()
            for tid, reason, score in snap["playlist"]
            if tid in catalog.index
        ]
        self.query = PlaylistQuery.model_validate(snap["query"])

    def start_over(self) -> None:
        """An empty playlist and query; what there was stays in the history, so undo brings it back."""
        if self.items or self.query.model_dump(exclude_defaults=True):
            self.history.append(self.snapshot())
        self.items, self.query = [], PlaylistQuery()
        self.rewound = True
        self.redo = []

    def record(self, before: PlaylistDraft, depth: int) -> None:
        """After a turn: keep ``before`` for undo when the turn changed the playlist or query (undo and start over
        keep their own), at most ``depth`` entries; "this one" no longer points where it did once tracks moved, and
        points at the one track a change brought in."""
        if self.changed_from(before) and not self.rewound and not (before.fresh and not before.items):
            self.history.append(before.snapshot())
            self.redo = []  # a new change: what undo took back is gone for good
        elif self.undone_to is not None and self.snapshot() != self.undone_to:
            self.history.append(self.undone_to)  # "never mind, make it calmer": "undo" then takes back "calmer"
            self.redo = []
        self.history = self.history[-depth:]
        self.redo = self.redo[-depth:]
        if self.focus == before.focus and self.ids() != before.ids():
            # "add one" or "swap track 3", then "why that one?": the one track that came in
            new = [k for k, t in enumerate(self.ids(), 1) if t not in set(before.ids())]
            self.focus = new[0] if len(new) == 1 and before.items else self._followed(before)

    def _followed(self, before: PlaylistDraft) -> int | None:
        """Where the track "it" meant before the turn is now ("why track 4?", "add 5 more", "remove it"), if still
        there."""
        was = before.ids()
        if before.focus is None or not 1 <= before.focus <= len(was):
            return None
        now = self.ids()
        return now.index(was[before.focus - 1]) + 1 if was[before.focus - 1] in now else None

    def state(self) -> dict[str, Any]:
        """What the graph's state keeps of the draft."""
        return {
            "playlist": self.items,
            "query": self.query.model_dump(mode="json"),
            "history": self.history,
            "redo": self.redo,
            "focus": self.focus,
        }
