"""The LLM brain: an OpenAI-compatible chat model with tool calling plans the turn.

It sees the system prompt, the current query and playlist, and the last few messages, and answers
with tool calls over the same registry the offline brain uses. Everything it returns is validated
by the graph (``agent.tools.validate``); any exception here makes the graph fall back offline.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from langchain_core.messages import AIMessage, HumanMessage, SystemMessage

from agent import prompts
from agent.tools import TOOLS

log = logging.getLogger(__name__)

CONTEXT_TURNS = 4  # earlier user/assistant texts the model sees


def tool_specs() -> list[dict[str, Any]]:
    """OpenAI function specs for every tool: the docstring is the description, the model's schema the parameters."""
    specs = []
    for name, (fn, model) in TOOLS.items():
        schema = model.model_json_schema()
        schema.pop("title", None)
        specs.append({"type": "function", "function": {
            "name": name, "description": " ".join((fn.__doc__ or name).split()), "parameters": schema}})  # fmt: skip
    return specs


class LLMBrain:
    """Plans a turn with an OpenAI-compatible model (``settings.llm_base_url``); raises on any failure."""

    def __init__(self, settings: Any):
        from langchain_openai import ChatOpenAI

        self.model = ChatOpenAI(
            base_url=settings.llm_base_url,
            api_key=settings.llm_api_key or "not-needed",
            model=settings.llm_model,
            timeout=settings.llm_timeout_s,
            max_retries=0,  # a retry doubles the wait; the offline brain is the better second try
            temperature=0,
            max_tokens=256,
        ).bind_tools(tool_specs())

    def plan(self, text: str, state: dict[str, Any]) -> list[dict[str, Any]]:
        """Tool calls ``{"name", "args"}`` for the user's message (not yet validated)."""
        playlist = state.get("playlist") or []
        query = state.get("query") or {}
        system = prompts.SYSTEM.format(
            query=json.dumps({k: v for k, v in query.items() if v}, ensure_ascii=False)[:1500] or "none",
            playlist=prompts.render_playlist(playlist, limit=40) or "(empty)",
        )
        history: list[Any] = []
        for m in (state.get("messages") or [])[:-1]:
            if m.type == "human":
                history.append(HumanMessage(content=str(m.content)[:500]))
            elif m.type == "ai" and m.content and not getattr(m, "tool_calls", None):
                history.append(AIMessage(content=str(m.content)[:300]))
        msgs = [SystemMessage(content=system), *history[-2 * CONTEXT_TURNS :], HumanMessage(content=text)]
        out = self.model.invoke(msgs)
        calls = [{"name": c["name"], "args": c.get("args") or {}} for c in getattr(out, "tool_calls", None) or []]
        if not calls and isinstance(out.content, str):
            calls = _calls_in_text(out.content)
        log.info("LLM planned %s", calls)
        return calls


def _calls_in_text(text: str) -> list[dict[str, Any]]:
    """Small local models often write the call as JSON in the text; accept ``{"name", "arguments"}`` only."""
    from tools.llm import first_json_object

    obj = first_json_object(text)
    if not obj or not isinstance(obj.get("name"), str):
        return []
    args = obj.get("arguments", obj.get("args", {}))
    if isinstance(args, str):
        try:
            args = json.loads(args)
        except json.JSONDecodeError:
            return []
    return [{"name": obj["name"], "args": args}]
