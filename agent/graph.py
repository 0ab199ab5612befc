"""The PlayGenie graph: plan a turn (LLM or offline brain), act on the playlist, reply.

``builder`` is exported uncompiled so the service compiles it with SQLite/Postgres persistence and
each test with an in-memory checkpointer and store. Runtime clients arrive in ``Context.deps``.
"""

from __future__ import annotations

import logging
from typing import Any, Literal

from langchain_core.messages import AIMessage, HumanMessage, RemoveMessage, ToolMessage
from langgraph.graph import END, START, StateGraph
from langgraph.graph.message import add_messages
from langgraph.runtime import Runtime

from agent import intents, prompts
from agent.context import Context
from agent.llm_brain import MAX_LLM_REQUESTS, LLMPlanError
from agent.state import InputState, State
from agent.tools import Call, PlaylistDraft, ToolError, Work, run_calls, validate
from tools.llm import request_budget
from tools.refine import item_from
from tools.vocab import UNREAD_LANGUAGE

log = logging.getLogger(__name__)


def _last_text(state: State) -> str:
    for m in reversed(state.get("messages", [])):
        if isinstance(m, HumanMessage):
            return m.content if isinstance(m.content, str) else str(m.content)
    return ""


def _offline(text: str, state: State, ctx: Context) -> intents.Plan:
    """The offline brain's plan, each action validated and bounded as the LLM's are."""
    last = next((a.get("name") for a in reversed(state.get("actions") or []) if isinstance(a, dict)), None)
    query = state.get("query") or {}
    named = [str(t.get("value")) for t in query.get("artists") or [] if isinstance(t, dict)]
    p = _over_blank_page(text, state, ctx) or intents.parse(
        text,
        state.get("playlist") or [],
        ctx.deps.vocab,
        state.get("focus"),
        last,
        named,
        request=str(query.get("text") or ""),
        asked=state.get("question"),
        pointed=[int(a["args"]["position"]) for a in state.get("actions") or [] if _explained(a)],
        previous=next((a for a in reversed(state.get("actions") or []) if isinstance(a, dict)), None),
        changed=_last_change(state, last),
        said=" ".join(filter(None, (state.get("question"), state.get("changed")))),
        again=[a for a in state.get("actions") or [] if isinstance(a, dict)],
    )
    try:
        p.actions = [validate(a) for a in p.actions]
    except ValueError as exc:  # a reading the tools cannot take: ask rather than act on it
        log.warning("offline plan failed validation: %s", exc)
        return intents.Plan.ask(f"I couldn't act on that ({str(exc).splitlines()[0][:200]}). Nothing changed.")
    return p


_ADDS, _TAKES = frozenset({"more", "widen", "add_song"}), frozenset({"remove"})


def _last_change(state: State, last: str | None) -> tuple[list[int], int]:
    """The places of the tracks the last turn's add brought in, and how many its removal took out."""
    if last not in _ADDS | _TAKES:
        return [], 0
    before, now = _before_and_now(state)
    added = [k for k, tid in enumerate(now, 1) if tid not in before] if last in _ADDS else []
    return added, len(before - set(now)) if last in _TAKES else 0


def _before_and_now(state: State) -> tuple[set[str], list[str]]:
    """The track ids before the last recorded change, and the playlist's now (both empty without a history)."""
    history, playlist = state.get("history") or [], state.get("playlist") or []
    if not history or not playlist:
        return set(), []
    return {row[0] for row in history[-1].get("playlist") or []}, [p["track_id"] for p in playlist]


def _over_blank_page(text: str, state: State, ctx: Context) -> intents.Plan | None:
    """After "start over" (no playlist, the one before in the history): "actually use the old one", read as it
    would be of that playlist, takes the start over back; any other message is read as usual (a new request)."""
    history = state.get("history") or []
    if state.get("playlist") or not history or not history[-1].get("playlist"):
        return None
    catalog = ctx.deps.catalog
    items = [item_from(catalog[row[0]]).model_dump() for row in history[-1]["playlist"] if row[0] in catalog.index]
    p = intents.parse(text, items, ctx.deps.vocab)
    return p if p.actions and all(a["name"] == "undo" for a in p.actions) else None


def _explained(action: Any) -> bool:
    """An explain call of the last turn (its track is one "them" may mean)."""
    return (
        isinstance(action, dict)
        and action.get("name") == "explain"
        and isinstance((action.get("args") or {}).get("position"), int)
    )


_FRESH = {"changed": "", "info": [], "export": None, "llm_down": False}  # per-turn fields a turn may have left
# Said when the configured model could not answer at all: the built-in reader did the turn, and the rest of the turn
# makes no more LLM requests (one timeout per turn, not one per stage).
LLM_DOWN_NOTE = "The language model isn't answering right now, so I read this one myself; nothing is lost."


def plan(state: State, runtime: Runtime[Context]) -> dict[str, Any]:
    """Read the user's message into tool calls: the LLM when configured (validated), else/then offline."""
    ctx = runtime.context
    text = _last_text(state)
    if ctx.use_llm and ctx.deps.llm is not None and text.strip() and len(text) <= intents.MAX_MESSAGE:
        p = _offline(text, state, ctx)
        if p.question == UNREAD_LANGUAGE and not p.actions:
            # a script no reader here reads (tools.vocab.unreadable): a model's plan could only pass the words on
            # to a pipeline that reads none of them (the LLM extractor keeps only tags the request writes)
            return {**_FRESH, "actions": [], "question": p.question, "brain": "offline", "info": list(p.notes)}
        down = False
        try:
            actions = [validate(a) for a in ctx.deps.llm.plan(text, state)]
            if actions and ctx.deps.llm.check(actions, text, p.actions):
                return {**_FRESH, "actions": actions, "question": None, "brain": "llm"}
            log.info("LLM proposed no usable tool call; using the offline brain")
        except Exception as exc:  # any error, timeout or junk: the offline brain answers
            down = isinstance(exc, LLMPlanError) and exc.down
            log.warning("LLM brain failed (%s); using the offline brain", exc)
        notes = [LLM_DOWN_NOTE] if down else []
        return {
            **_FRESH,
            "actions": p.actions,
            "question": p.question,
            "brain": "llm->offline",
            "info": notes + list(p.notes),
            "llm_down": down,
        }
    p = _offline(text, state, ctx)
    return {**_FRESH, "actions": p.actions, "question": p.question, "brain": "offline", "info": list(p.notes)}


def route(state: State) -> Literal["act", "respond"]:
    """A turn with a question changes nothing and goes straight to the reply."""
    return "respond" if state.get("question") or not state.get("actions") else "act"


def _run(state: State, ctx: Context, actions: list[dict[str, Any]]) -> tuple[Work, list[Call], list[str]]:
    """Run the calls on a copy of the thread's draft; a ToolError leaves the thread as it was."""
    deps = ctx.deps
    user_id = state.get("user_id") or "anonymous"
    settings = getattr(deps.pipeline, "settings", None)
    w = Work(
        deps=deps,
        user_id=user_id,
        draft=PlaylistDraft.from_state(state),
        memory=deps.memory.get(user_id),
        relative_step=ctx.relative_step,
        tempo_step=ctx.tempo_step,
        default_length=ctx.default_length,
        max_per_artist=getattr(settings, "max_per_artist", 2),
    )
    if not {a.get("name") for a in actions} & _BRINGS_BACK:
        w.removed |= _just_taken_out(state)  # "remove the first two" - "add 2 more": never those two again
        w.removed |= _cut_earlier(state)  # "remove 3, 7 and 12" - ... - "replace the last 3": nor later
    calls, said = run_calls(w, actions)
    return w, calls, said


_BRINGS_BACK = frozenset({"undo", "redo", "restore", "add_song", "new_playlist", "start_over", "keep_playlist"})


def _just_taken_out(state: State) -> set[str]:
    """The tracks the last change took out of the playlist (none when it took out the whole playlist)."""
    before, now = _before_and_now(state)
    gone = before - set(now)
    return gone if len(gone) < len(now) else set()


def _cut_earlier(state: State) -> set[str]:
    """The tracks that earlier changes of this playlist (its request unchanged) only took out ("remove tracks 3, 7
    and 12", "cut it to 20"), and that are not back: the listener let them go, so no later addition brings them
    back (undo, restore and a new playlist still may)."""
    history, playlist = state.get("history") or [], state.get("playlist") or []
    text = (state.get("query") or {}).get("text")
    if not history or not playlist or text is None:
        return set()
    now = [p["track_id"] for p in playlist]
    steps = [
        ([row[0] for row in shot.get("playlist") or []], (shot.get("query") or {}).get("text")) for shot in history
    ]
    gone: set[str] = set()
    after = now
    for ids, said in reversed(steps):
        if said != text or not ids:
            break  # an earlier request's playlist: what was cut from it is no word on this one
        kept = set(after)
        if kept < set(ids):  # only taken out, nothing brought in
            gone |= set(ids) - kept
        after = ids
    return gone - set(now)


def _run_the_rest(
    state: State, ctx: Context, actions: list[dict[str, Any]]
) -> tuple[tuple[Work, list[Call], list[str]], list[dict[str, Any]], list[str]] | None:
    """The offline plan of a message of several asks, less the calls the tools refuse (each found by running the
    plan up to it), with a note per refusal; None when every call is refused."""
    kept, notes = list(actions), []
    while kept:
        try:
            return _run(state, ctx, kept), kept, notes
        except ToolError:
            for k in range(1, len(kept) + 1):
                try:
                    _run(state, ctx, kept[:k])
                except ToolError as exc:
                    notes.append(f"I didn't do one of your asks: {str(exc).rstrip('.')}.")
                    kept = kept[: k - 1] + kept[k:]
                    break
            else:
                return None  # refused only as a whole: leave the thread as it was
    return None


def act(state: State, runtime: Runtime[Context]) -> dict[str, Any]:
    """Apply the planned tool calls within the turn's LLM request budget (the plan spent one)."""
    with request_budget(MAX_LLM_REQUESTS - 1, down=bool(state.get("llm_down"))):
        return _act(state, runtime)


def _refused(exc: ToolError) -> str:
    """A tool's refusal as the reply says it, "Nothing changed." once (some refusals say it already)."""
    said = str(exc).rstrip()
    return said if said.endswith("Nothing changed.") else f"{said} Nothing changed."


def _act(state: State, runtime: Runtime[Context]) -> dict[str, Any]:
    """Run the calls, compare before and after, record. A refused call leaves the playlist exactly as it was."""
    ctx = runtime.context
    actions = state.get("actions") or []
    brain = state.get("brain", "offline")
    skipped: list[str] = []
    try:
        w, calls, said = _run(state, ctx, actions)
    except ToolError as exc:
        if brain != "llm":
            done = _run_the_rest(state, ctx, actions) if len(actions) > 1 else None
            if done is None:
                return {"question": _refused(exc), "changed": ""}
            (w, calls, said), actions, skipped = done  # "drop 2, move the last first, add some beyonce": two of three
        else:
            p = _offline(_last_text(state), state, ctx)  # the model's call did not fit this playlist: the offline brain
            if not p.actions:
                return {"question": p.question, "brain": "llm->offline", "changed": ""}
            try:
                w, calls, said = _run(state, ctx, p.actions)
                actions, brain = p.actions, "llm->offline"
            except ToolError as exc2:
                return {"question": _refused(exc2), "brain": "llm->offline", "changed": ""}
    draft, before = w.draft, PlaylistDraft.from_state(state)
    draft.record(before, ctx.undo_depth)
    info = list(state.get("info") or []) + skipped + list(draft.info)  # the plan's notes: asks not acted on
    if draft.export:
        info.append(f"Export ready as {draft.export.upper()} ({len(draft.items)} tracks).")
    changed = "; ".join(said)
    if not said and not [i for i in info if i != LLM_DOWN_NOTE] and not draft.changed_from(before):
        changed = "nothing changed"
    # The transcript records the calls and their results in pairs (by call id), so trimming keeps them whole.
    msgs: list[Any] = [AIMessage(content="", tool_calls=[c.tool_call() for c in calls])]
    msgs += [ToolMessage(content=c.result(), tool_call_id=c.id, name=c.name) for c in calls]
    return {
        **draft.state(),
        "changed": changed,
        "question": None,
        "brain": brain,
        "messages": msgs,
        "actions": actions,
        "info": info,
        "export": draft.export,
    }


def respond(state: State, runtime: Runtime[Context]) -> dict[str, Any]:
    """Say what changed and show the playlist; trim the transcript to the last turns."""
    ctx = runtime.context
    question = state.get("question")
    changed = "" if question else state.get("changed", "")
    name = (state.get("query") or {}).get("name")
    text = prompts.reply(
        changed, state.get("playlist") or [], question=question, info=state.get("info") or [], name=name
    )
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


def turn(state: State, runtime: Runtime[Context]) -> dict[str, Any]:
    """A whole turn in one graph step: ``plan``, then ``act`` unless ``route`` says a question, then ``respond``,
    each reading the state as the one before left it (its update laid over, ``messages`` through their reducer).
    LangGraph's own work per step (its tasks, writes and in-memory checkpoint) was ~10% of a turn's CPU at three
    steps; the steps' updates, merged, are the turn's one update, so the saved state is the same."""
    update = plan(state, runtime)
    if route(_after(state, update)) == "act":
        update = _then(update, act(_after(state, update), runtime))
    return _then(update, respond(_after(state, update), runtime))


def _after(state: State, update: dict[str, Any]) -> State:
    """``state`` as a graph step's ``update`` leaves it: every field last value wins, ``messages`` by add_messages."""
    out: dict[str, Any] = {**state, **update}
    if "messages" in update:
        out["messages"] = add_messages(state.get("messages") or [], update["messages"])
    return out  # type: ignore[return-value]


def _then(first: dict[str, Any], second: dict[str, Any]) -> dict[str, Any]:
    """Two steps' updates as one: the second's fields win, their messages in order (the reducer applies both)."""
    out = {**first, **second}
    if "messages" in first and "messages" in second:
        out["messages"] = list(first["messages"]) + list(second["messages"])
    return out


# One node (see ``turn``); agent/studio.py draws the three steps as nodes for LangGraph Studio.
builder = StateGraph(State, input_schema=InputState, context_schema=Context)
builder.add_node("turn", turn)
builder.add_edge(START, "turn")
builder.add_edge("turn", END)

__all__ = ["builder"]
