"""What the offline brain plans for a message, as the intent tests compare it."""

from agent.intents import parse


def acts(text, vocab, playlist, **kw):
    """The (tool, args) pairs ``parse`` plans for ``text``; a question instead of a plan fails the test."""
    p = parse(text, playlist, vocab, **kw)
    assert p.question is None, p.question
    return [(a["name"], a["args"]) for a in p.actions]
