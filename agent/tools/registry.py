"""The tool registry: ``@tool(Args)`` registers a tool beside its argument model; :func:`validate` checks and
bounds a call either brain planned; :func:`run_calls` runs one turn's calls, each result under its call's id.

A tool is a function ``(work, **args) -> note``: the note says in words what it did (empty when the tool only
looks something up); a call that cannot apply raises :class:`ToolError`, whose message the user reads.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable, NamedTuple

from pydantic import BaseModel

if TYPE_CHECKING:
    from agent.tools.work import Work


class ToolError(ValueError):
    """A tool call that cannot apply to this playlist; the message is shown to the user as is."""


class Tool(NamedTuple):
    fn: Callable[..., str]
    model: type[BaseModel]


class Empty(BaseModel):
    """The arguments of a tool that takes none."""


REGISTRY: dict[str, Tool] = {}
_WAITING: set[str] = set()  # tools that run before this turn's pending relative changes are applied


def tool(model: type[BaseModel], *, waits: bool = False) -> Callable[[Callable[..., str]], Callable[..., str]]:
    """Register the decorated function as a tool named after it, its arguments checked by ``model``.
    ``waits``: the turn's pending relative changes ("more energy") are not applied before it runs."""

    def register(fn: Callable[..., str]) -> Callable[..., str]:
        if fn.__name__ in REGISTRY:
            raise ValueError(f"tool {fn.__name__} registered twice")
        REGISTRY[fn.__name__] = Tool(fn, model)
        if waits:
            _WAITING.add(fn.__name__)
        return fn

    return register


def validate(action: dict[str, Any]) -> dict[str, Any]:
    """A planned call from either brain, its counts bounded and its arguments checked against the tool's model;
    raises ValueError on junk. What was capped is said in the call's ``note`` ("add 99999 more" adds at most 200)."""
    name = action.get("name")
    if name not in REGISTRY:
        raise ValueError(f"unknown tool {name!r}")
    args = action.get("args") or {}
    if not isinstance(args, dict):
        raise ValueError(f"arguments of {name} are not an object")
    model = REGISTRY[name].model
    args, capped = _bounded(model, args)
    parsed = model.model_validate(args)
    out: dict[str, Any] = {"name": name, "args": parsed.model_dump()}
    note = "; ".join(filter(None, [str(action.get("note") or "")[:300], *capped]))
    if note:
        out["note"] = note
    return out


_COUNT_WORDS = {"count": "tracks to add", "length": "tracks", "minutes": "minutes", "factor": "times the length",
                "limit": "results"}  # fmt: skip


def _bounded(model: type[BaseModel], args: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """``args`` with numbers past a field's bounds clamped to them (said in the notes), so a huge count never
    allocates, fails or reaches storage; lists longer than allowed are cut."""
    out = dict(args)
    notes: list[str] = []
    for name, info in model.model_fields.items():
        v = out.get(name)
        lo = next(
            (x for m in info.metadata for x in (getattr(m, "ge", None), getattr(m, "gt", None)) if x is not None), None
        )
        hi = next((m.le for m in info.metadata if getattr(m, "le", None) is not None), None)
        if isinstance(v, (int, float)) and not isinstance(v, bool) and name in _COUNT_WORDS:
            if hi is not None and v > hi:
                notes.append(f"{_short(v)} {_COUNT_WORDS[name]} is more than I do at once, so {hi:g}")
                out[name] = type(v)(hi) if isinstance(v, int) else float(hi)
            elif lo is not None and v < lo and name != "factor":
                out[name] = lo if isinstance(v, int) else float(lo)
        elif isinstance(v, list):
            limit = next((m.max_length for m in info.metadata if getattr(m, "max_length", None)), None)
            if limit and len(v) > limit:
                out[name] = v[:limit]
            if v and all(isinstance(x, int) and not isinstance(x, bool) for x in v):
                out[name] = list(dict.fromkeys(out[name]))  # "drop 3, 3 and 3" is one track
    return out, notes


def _short(v: float) -> str:
    s = f"{v:g}" if isinstance(v, float) else str(v)
    return s if len(s) <= 12 else s[:6] + "…" + f" ({len(s)} digits)"


@dataclass
class Call:
    """One tool call of a turn: what ran, its id in the transcript, and its own result."""

    name: str
    args: dict[str, Any]
    id: str = field(default_factory=lambda: f"call_{uuid.uuid4().hex[:12]}")
    notes: list[str] = field(default_factory=list)  # what it did, then what was capped, in words
    found: Any = None  # what a lookup found (extract_tags, search)

    def tool_call(self) -> dict[str, Any]:
        """The call as the transcript's AI message holds it."""
        return {"name": self.name, "args": self.args, "id": self.id, "type": "tool_call"}

    def result(self) -> str:
        """The call's result as the transcript's tool message records it."""
        found = [] if self.found is None else [json.dumps(self.found, ensure_ascii=False)]
        return "; ".join(self.notes + found) or "ok"


def run_calls(w: Work, actions: list[dict[str, Any]]) -> tuple[list[Call], list[str]]:
    """Run a turn's validated calls in order on ``w``: each call with its own result, and every note in the order
    it was made (what the reply says changed). A ToolError from any call leaves the thread as it was."""
    calls: list[Call] = []
    said: list[str] = []
    mover: Call | None = None  # the call whose relative change ("more energy") is pending

    def note(call: Call, text: str) -> None:
        if text:
            call.notes.append(text)
            said.append(text)

    for action in actions:
        call = Call(action["name"], action["args"])
        calls.append(call)
        args = _as_seen(call.args, w)  # before a pending change reshapes the playlist
        if mover is not None and w.pending and call.name not in _WAITING:
            note(mover, w.reshape())
        pending = dict(w.pending)
        note(call, REGISTRY[call.name].fn(w, **args))
        note(call, str(action.get("note") or ""))  # what validation capped
        call.found, w.found = w.found, None
        if w.pending != pending:
            mover = call
    if mover is not None and w.pending:
        note(mover, w.reshape())
    return calls, said


def _as_seen(args: dict[str, Any], w: Work) -> dict[str, Any]:
    """``args`` with positions (as the user saw the playlist at the start of the turn) moved to where those tracks
    are now, after the turn's earlier edits: "put track 5 first and remove track 2"."""
    seen = w.seen
    if not seen or not any(k in args for k in ("positions", "position")):
        return args
    now = [p["track_id"] for p in w.playlist]
    if now == seen:
        return args
    where = {tid: i for i, tid in enumerate(now, 1)}

    def moved(p: int) -> int:
        if not 1 <= p <= len(seen):
            return p
        if seen[p - 1] not in where:
            raise ToolError(f"Track {p} is already gone from the playlist.")
        return where[seen[p - 1]]

    args = dict(args)
    if "positions" in args:
        args["positions"] = [moved(p) for p in args["positions"]]
    if "position" in args:
        args["position"] = moved(args["position"])
    return args
