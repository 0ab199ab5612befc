"""The PlayGenie graph: plan a turn (LLM or offline brain), act on the playlist, reply.

``builder`` is exported uncompiled so the service compiles it with SQLite/Postgres persistence and
each test with an in-memory checkpointer and store. Runtime clients arrive in ``Context.deps``.
"""

from __future__ import annotations

import logging
import uuid
from typing import Any, Literal

from langchain_core.messages import AIMessage, HumanMessage, RemoveMessage, ToolMessage
from langgraph.graph import END, START, StateGraph
from langgraph.runtime import Runtime

from agent import intents, prompts
from agent.context import Context
from agent.llm_brain import MAX_LLM_REQUESTS
from agent.state import InputState, State
from agent.tools import ToolError, Work, run_tool, validate
from tools.llm import request_budget
from tools.refine import item_from
from tools.schema import PlaylistQuery

log = logging.getLogger(__name__)


def _last_text(state: State) -> str:
    for m in reversed(state.get("messages", [])):
        if isinstance(m, HumanMessage):
            return m.content if isinstance(m.content, str) else str(m.content)
    return ""


def _offline(text: str, state: State, ctx: Context) -> intents.Plan:
    """The offline brain's plan, each action validated and bounded as the LLM's are."""
    last = next((a.get("name") for a in reversed(state.get("actions") or []) if isinstance(a, dict)), None)
    p = intents.parse(text, state.get("playlist") or [], ctx.deps.vocab, state.get("focus"), last)
    try:
        p.actions = [validate(a) for a in p.actions]
    except ValueError as exc:  # a reading the tools cannot take: ask rather than act on it
        log.warning("offline plan failed validation: %s", exc)
        return intents.Plan.ask(f"I couldn't act on that ({str(exc).splitlines()[0][:200]}). Nothing changed.")
    return p


_FRESH = {"changed": "", "info": [], "export": None}  # per-turn fields the previous turn may have left


def plan(state: State, runtime: Runtime[Context]) -> dict[str, Any]:
    """Read the user's message into tool calls: the LLM when configured (validated), else/then offline."""
    ctx = runtime.context
    text = _last_text(state)
    if ctx.use_llm and ctx.deps.llm is not None and text.strip() and len(text) <= intents.MAX_MESSAGE:
        p = _offline(text, state, ctx)
        try:
            actions = [validate(a) for a in ctx.deps.llm.plan(text, state)]
            if actions and ctx.deps.llm.check(actions, text, p.actions):
                return {**_FRESH, "actions": actions, "question": None, "brain": "llm"}
            log.info("LLM proposed no usable tool call; using the offline brain")
        except Exception as exc:  # any error, timeout or junk: the offline brain answers
            log.warning("LLM brain failed (%s); using the offline brain", exc)
        return {**_FRESH, "actions": p.actions, "question": p.question, "brain": "llm->offline"}
    p = _offline(text, state, ctx)
    return {**_FRESH, "actions": p.actions, "question": p.question, "brain": "offline"}


def route(state: State) -> Literal["act", "respond"]:
    """A turn with a question changes nothing and goes straight to the reply."""
    return "respond" if state.get("question") or not state.get("actions") else "act"


def _snapshot(playlist: list[dict[str, Any]], query: dict[str, Any]) -> dict[str, Any]:
    """A compact undo entry: ids, reasons and scores (the rest comes back from the catalog)."""
    return {"playlist": [[p["track_id"], p.get("reason", ""), p.get("score", 0.0)] for p in playlist], "query": query}


def _restore(entries: list[list[Any]], catalog: Any) -> list[dict[str, Any]]:
    return [
        item_from(catalog[tid], reason=reason, score=score).model_dump()
        for tid, reason, score in entries
        if tid in catalog.index
    ]


def _execute(
    state: State, ctx: Context, actions: list[dict[str, Any]], user_id: str
) -> tuple[Work, list[str], dict[str, Any]]:
    """Run actions on a copy of the thread's playlist; undo/start_over act on the thread history."""
    deps = ctx.deps
    query = PlaylistQuery.model_validate(state.get("query") or {})
    settings = getattr(deps.pipeline, "settings", None)
    w = Work(deps=deps, user_id=user_id, playlist=[dict(p) for p in state.get("playlist") or []], query=query,
             memory=deps.memory.get(user_id), focus=state.get("focus"), relative_step=ctx.relative_step,
             tempo_step=ctx.tempo_step, default_length=ctx.default_length,
             max_per_artist=getattr(settings, "max_per_artist", 2))  # fmt: skip
    history = list(state.get("history") or [])
    notes: list[str] = []
    extra: dict[str, Any] = {}
    seen = [p["track_id"] for p in w.playlist]  # positions in this turn's calls mean the playlist the user saw
    for a in actions:
        if a["name"] not in ("undo", "start_over"):
            a = _as_seen(a, seen, w.playlist)
        if a["name"] == "undo":
            if not history:
                raise ToolError("There is nothing to undo yet.")
            prev = history.pop()
            w.playlist, w.query = _restore(prev["playlist"], deps.catalog), PlaylistQuery.model_validate(prev["query"])
            notes.append("undid the last change")
            extra["undone"] = True
            continue
        if a["name"] == "start_over":
            if w.playlist or w.query.model_dump(exclude_defaults=True):
                history.append(_snapshot(w.playlist, w.query.model_dump(mode="json")))
            w.playlist, w.query = [], PlaylistQuery()
            notes.append("started over (your blocklist and likes stay)")
            seen = []
            continue
        if w.pending and a["name"] != "adjust":
            notes.append(w.reshape())
        note = run_tool(w, a)
        notes += [x for x in (note, str(a.get("note") or "")) if x]  # what the tool did, then what was capped
        if a["name"] == "new_playlist":
            seen = [p["track_id"] for p in w.playlist]
    if w.pending:
        notes.append(w.reshape())
    extra["history"] = history
    return w, notes, extra


def _as_seen(action: dict[str, Any], seen: list[str], now: list[dict[str, Any]]) -> dict[str, Any]:
    """``action`` with its positions (as the user saw the playlist at the start of the turn) moved to where
    those tracks are now, after the turn's earlier edits: "put track 5 first and remove track 2"."""
    args = action["args"]
    if not seen or not any(k in args for k in ("positions", "position")):
        return action
    where = {p["track_id"]: i for i, p in enumerate(now, 1)}
    if [p["track_id"] for p in now] == seen:
        return action

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
    return {**action, "args": args}


def act(state: State, runtime: Runtime[Context]) -> dict[str, Any]:
    """Apply the planned tool calls within the turn's LLM request budget (the plan spent one)."""
    with request_budget(MAX_LLM_REQUESTS - 1):
        return _act(state, runtime)


def _act(state: State, runtime: Runtime[Context]) -> dict[str, Any]:
    """Apply the planned tool calls. A refused call leaves the playlist exactly as it was."""
    ctx = runtime.context
    user_id = state.get("user_id") or "anonymous"
    actions = state.get("actions") or []
    brain = state.get("brain", "offline")
    try:
        w, notes, extra = _execute(state, ctx, actions, user_id)
    except ToolError as exc:
        if brain == "llm":  # the model's call did not fit this playlist: let the offline brain try
            p = _offline(_last_text(state), state, ctx)
            if p.actions:
                try:
                    w, notes, extra = _execute(state, ctx, p.actions, user_id)
                    actions, brain = p.actions, "llm->offline"
                except ToolError as exc2:
                    return {"question": f"{exc2} Nothing changed.", "brain": "llm->offline", "changed": ""}
            else:
                return {"question": p.question, "brain": "llm->offline", "changed": ""}
        else:
            return {"question": f"{exc} Nothing changed.", "changed": ""}
    before_ids = [p["track_id"] for p in state.get("playlist") or []]
    before_q = state.get("query") or {}
    if w.focus == state.get("focus") and before_ids != [p["track_id"] for p in w.playlist]:
        w.focus = None  # "this one" no longer points where it did
    new_q = w.query.model_dump(mode="json")
    history = extra["history"]
    changed_anything = before_ids != [p["track_id"] for p in w.playlist] or before_q != new_q
    if changed_anything and not extra.get("undone") and not any(a["name"] == "start_over" for a in actions):
        if before_ids or before_q:
            history.append(_snapshot(state.get("playlist") or [], before_q))
    history = history[-ctx.undo_depth :]
    # The transcript records the calls and their results in pairs, so trimming keeps them whole.
    calls = [
        {"name": a["name"], "args": a["args"], "id": f"call_{uuid.uuid4().hex[:12]}", "type": "tool_call"}
        for a in actions
    ]
    msgs: list[Any] = [AIMessage(content="", tool_calls=calls)]
    msgs += [
        ToolMessage(content=(notes[i] if i < len(notes) else "ok"), tool_call_id=c["id"], name=c["name"])
        for i, c in enumerate(calls)
    ]
    export = next((d["export"] for d in w.data if isinstance(d, dict) and "export" in d), None)
    info = [d for d in w.data if isinstance(d, str)]
    if export:
        info.append(f"Export ready as {export.upper()} ({len(w.playlist)} tracks).")
    changed = "; ".join(notes)
    if not changed_anything and not info and not notes:
        changed = "nothing changed"
    return {
        "playlist": w.playlist, "query": new_q, "history": history, "focus": w.focus, "changed": changed,
        "question": None, "brain": brain, "messages": msgs, "actions": actions,
        "info": info, "export": export,
    }  # fmt: skip


def respond(state: State, runtime: Runtime[Context]) -> dict[str, Any]:
    """Say what changed and show the playlist; trim the transcript to the last turns."""
    ctx = runtime.context
    question = state.get("question")
    text = prompts.reply("" if question else state.get("changed", ""), state.get("playlist") or [],
                         question=question, info=state.get("info") or [])  # fmt: skip
    update: dict[str, Any] = {"messages": [AIMessage(content=text)]}
    if question:
        update["changed"] = ""
        update["info"] = []
        update["export"] = None
    msgs = state.get("messages", [])
    starts = [i for i, m in enumerate(msgs) if isinstance(m, HumanMessage)]
    if len(starts) > ctx.keep_turns:
        cut = starts[-ctx.keep_turns]  # drop whole turns only: a tool call never loses its result
        update["messages"] = [RemoveMessage(id=m.id) for m in msgs[:cut] if m.id] + update["messages"]
    return update


builder = StateGraph(State, input_schema=InputState, context_schema=Context)
builder.add_node("plan", plan)
builder.add_node("act", act)
builder.add_node("respond", respond)
builder.add_edge(START, "plan")
builder.add_conditional_edges("plan", route)
builder.add_edge("act", "respond")
builder.add_edge("respond", END)

__all__ = ["builder"]
