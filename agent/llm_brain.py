"""The LLM brain: an OpenAI-compatible chat model with tool calling plans the turn.

It sees the system prompt, the current query and playlist (as data), and the last few messages,
and answers with tool calls over the same registry the offline brain uses. Every call goes through
:class:`tools.llm.LLMClient`; every planned call is validated here against its tool's model, a
plan with more than :data:`MAX_TOOL_CALLS` calls is refused, and one turn may make at most
:data:`MAX_LLM_REQUESTS` LLM requests (the plan plus the extractor and refiner calls of the tools
it runs). Any refusal raises :class:`LLMPlanError`, and the graph falls back to the offline brain.

The offline parser is the reference reading (:func:`disagreement`): where it reads the message,
the model's plan must call the same tools; the numbers it passes (positions, counts, years) must
be written in the message, and the names and texts it passes must be words of the message. So a
model can act where the offline parser is lost, and cannot overrule it with words nobody said.
"""

from __future__ import annotations

import json
import logging
import re
from collections import Counter
from typing import Any

from agent import prompts
from agent.tools import TOOLS, validate

log = logging.getLogger(__name__)

CONTEXT_TURNS = 4  # earlier user/assistant texts the model sees
MAX_TOOL_CALLS = 4  # one message rarely needs more ("no Drake, only 90s, 30 tracks" is three)
MAX_LLM_REQUESTS = 8  # per turn, the plan included; the tools' extractor and refiner share the rest
MAX_PLAN_TOKENS = 160  # four calls fit; a model writing prose instead is cut short


class LLMPlanError(RuntimeError):
    """The model gave no usable plan; the message says why (no endpoint detail). ``down``: the endpoint gave no
    answer at all (refused, timed out, an HTTP error, not an API response), as opposed to an unusable one."""

    def __init__(self, why: str, *, down: bool = False):
        super().__init__(why)
        self.down = down


def tool_specs() -> list[dict[str, Any]]:
    """OpenAI function specs for every tool: the docstring is the description, the model's schema the parameters."""
    specs = []
    for name, (fn, model) in TOOLS.items():
        schema = model.model_json_schema()
        schema.pop("title", None)
        specs.append(
            {
                "type": "function",
                "function": {"name": name, "description": " ".join((fn.__doc__ or name).split()), "parameters": schema},
            }
        )
    return specs


class LLMBrain:
    """Plans a turn with an OpenAI-compatible model (``settings.llm_base_url``); raises on any failure."""

    def __init__(self, settings: Any, client: Any = None):
        from tools.llm import LLMClient

        self.client = client or LLMClient(settings)
        self.tools = tool_specs()
        self.outcomes: Counter[str] = Counter()  # "planned", or why a turn fell back: for evals and logs

    def messages(self, text: str, state: dict[str, Any]) -> list[dict[str, Any]]:
        """System prompt (rules, then the query and playlist as data), recent turns, and the message."""
        system = prompts.system_prompt(state.get("query") or {}, state.get("playlist") or [])
        history: list[dict[str, Any]] = []
        speaker = state.get("user_id")
        for m in (state.get("messages") or [])[:-1]:
            said_by = (getattr(m, "additional_kwargs", None) or {}).get("user_id")
            if m.type == "human" and said_by not in (None, speaker):
                continue  # a group chat: another member's words are never given to the model as this user's
            if m.type == "human":
                history.append({"role": "user", "content": str(m.content)[:500]})
            elif m.type == "ai" and m.content and not getattr(m, "tool_calls", None):
                history.append({"role": "assistant", "content": str(m.content)[:300]})
        return [
            {"role": "system", "content": system},
            *history[-2 * CONTEXT_TURNS :],
            {"role": "user", "content": text},
        ]

    def plan(self, text: str, state: dict[str, Any]) -> list[dict[str, Any]]:
        """Validated tool calls ``{"name", "args"}`` for the user's message; raises LLMPlanError otherwise."""
        calls = self.client.complete_tools(self.messages(text, state), self.tools, max_tokens=MAX_PLAN_TOKENS)
        if calls is None:
            self._refuse(f"LLM unavailable: {self.client.last_error}", count=False, down=self.client.last_down)
        if not calls:
            self._refuse("no tool call", count=False)
        if len(calls) > MAX_TOOL_CALLS:
            self._refuse(f"too many tool calls ({len(calls)} > {MAX_TOOL_CALLS})")
        checked = []
        for c in calls:
            try:
                checked.append(validate(c))
            except Exception as exc:  # noqa: BLE001 - pydantic errors, unknown tools: the whole plan goes
                self._refuse(f"invalid call {str(c.get('name'))[:40]!r}: {type(exc).__name__}")
        self.outcomes["planned"] += 1
        log.info("LLM planned %s", json.dumps(checked, ensure_ascii=False)[:500])
        return checked

    def check(self, actions: list[dict[str, Any]], text: str, offline: list[dict[str, Any]]) -> bool:
        """Whether the validated plan may run against the offline reading; a refusal is counted with its reason."""
        why = disagreement(actions, text, offline)
        if why is None:
            return True
        self.outcomes["planned"] -= 1
        self.outcomes[why] += 1
        self.client.mark_invalid(why)
        log.info("LLM plan refused: %s", why)
        return False

    def _refuse(self, why: str, *, count: bool = True, down: bool = False) -> None:
        self.outcomes[why.split(":")[0] if why.startswith("invalid call") else why] += 1
        if count:
            self.client.mark_invalid(why.split(" (")[0])
        raise LLMPlanError(why, down=down)


_NUMBER = re.compile(r"\d+")
_ORDINALS = {
    w: n
    for n, w in enumerate(
        ("first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth", "tenth"), 1
    )
}
_FREE_TEXT = ("text", "title")  # arguments that carry the user's own words (a request, a playlist's name)


def _values(value: Any) -> list[Any]:
    """The leaves of an argument: a list's items and a dict's values ("years": [{"start": 1990, "end": 1999}])."""
    if isinstance(value, dict):
        return [leaf for v in value.values() for leaf in _values(v)]
    if isinstance(value, (list, tuple)):
        return [leaf for v in value for leaf in _values(v)]
    return [value]


def _written_numbers(text: str, words: set[str]) -> set[int]:
    """The numbers ``text`` writes: digits, number words, ordinals, and the first and last years of a decade."""
    from tools import vocab

    numbers = {int(n) for n in _NUMBER.findall(text)} | {n for w, n in vocab.NUMBER_WORDS.items() if w in words}
    numbers |= {n for w, n in {**_ORDINALS, **getattr(vocab, "ORDINALS", {})}.items() if w in words}
    for n in list(numbers):  # "90s" and "the nineties" write 1990 and 1999
        if 0 <= n < 100 and n % 10 == 0:
            numbers |= {1900 + n, 1909 + n} if n >= 30 else {2000 + n, 2009 + n}
        if 1900 <= n <= 2100 and n % 10 == 0:
            numbers.add(n + 9)
    return numbers | {d + k for w, d in vocab.DECADE_WORDS.items() if w in words for k in (0, 9)}


def _ungrounded(name: str, key: str, value: Any, words: set[str], numbers: set[int]) -> str | None:
    """Why one non-default argument is not the message's: a number it does not write (a float too: "factor" 4), or
    a name or text in words it does not use (genres and moods as much as artists)."""
    from tools.catalog import fold

    for v in _values(value):
        if isinstance(v, bool) or v is None:
            continue
        if isinstance(v, (int, float)) and not (float(v).is_integer() and int(v) in numbers):
            return f"a number the message does not say ({name}.{key})"
        if isinstance(v, str) and key not in _CHOICES and not set(re.findall(r"[^\W_]+", fold(v))) <= words:
            return f"words the message does not say ({name}.{key})"
    return None


# Arguments whose value is one of a few fixed words ("up", "energy", "year"): the message need not write them, but
# where the offline reader calls the same tool they must be what it read ("calmer" is energy down, never up).
_CHOICES = ("feature", "side", "direction", "amount", "by", "versions", "fmt", "picked", "field")


def _contradicts(action: dict[str, Any], offline: list[dict[str, Any]]) -> str | None:
    """Why ``action`` reads the message otherwise than the offline reader's call of the same tool: an argument the
    offline reader set ("the last 3" is positions 18-20, "no i meant the 90s" the corrected request) that the model
    set differently. The model may add what the offline reader left unset, never change what it read."""
    same = [o for o in offline if o["name"] == action["name"]]
    if not same:
        return None
    defaults = {k: f.default for k, f in TOOLS[action["name"]][1].model_fields.items()}
    for o in same:
        if all(
            _values(action["args"].get(k)) == _values(v)
            for k, v in o["args"].items()
            if v != defaults.get(k) and v not in (None, [], "", {})
        ):
            return None
    return f"another reading than the offline one ({action['name']})"


def disagreement(actions: list[dict[str, Any]], text: str, offline: list[dict[str, Any]]) -> str | None:
    """Why a validated LLM plan must not run against the offline parser's plan ``offline``, or None.

    Where the offline reader read the message the plan calls the same tools, with the same fixed-word choices;
    every number, name and text it passes, anywhere in its arguments, is written in the message; and where the
    offline reader read nothing, a call with nothing of the message in it ("start_over", "shuffle", "block" of
    nothing said) does not run: the message never asked for it in words the vocabulary knows."""
    from tools.catalog import fold

    if offline and sorted(a["name"] for a in actions) != sorted(a["name"] for a in offline):
        return "other tools than the offline reading"
    words = set(re.findall(r"[^\W_]+", fold(text)))
    numbers = _written_numbers(text, words)
    for a in actions:
        defaults = {k: f.default for k, f in TOOLS[a["name"]][1].model_fields.items()}
        said = {k: v for k, v in a["args"].items() if v != defaults.get(k) and v not in (None, [], "", {})}
        read = {k: v for o in offline if o["name"] == a["name"] for k, v in o["args"].items()}
        for key, value in said.items():
            if key in read and _values(read[key]) == _values(value):
                continue  # what the offline reader read ("the last 3": positions 18-20)
            if (why := _ungrounded(a["name"], key, value, words, numbers)) is not None:
                return why
        if (why := _contradicts(a, offline)) is not None:
            return why
        if not offline and not any(k not in _CHOICES and not isinstance(v, bool) for k, v in said.items()):
            return f"a call the message does not ask for in words ({a['name']})"
    return None
