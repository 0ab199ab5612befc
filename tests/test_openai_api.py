"""The OpenAI-compatible endpoint, driven by the `openai` client against the real server on loopback."""

from __future__ import annotations

import httpx
import openai
import pytest

from bots.asgi import BackgroundServer
from bots.http_api import MAX_BODY, create_app
from tools.settings import Settings


@pytest.fixture(scope="module")
def server(tiny_csv, tiny_pipeline, tmp_path_factory):
    from agent.service import ChatService

    settings = Settings(data=tiny_csv, home=tmp_path_factory.mktemp("openai_home"), api_key="s3cret")
    service = ChatService(settings, pipeline=tiny_pipeline)
    with BackgroundServer(create_app(settings, service)) as srv:
        yield srv
    service.close()


@pytest.fixture
def client(server):
    with openai.OpenAI(base_url=f"{server.url}/v1", api_key="s3cret", timeout=60, max_retries=0) as c:
        yield c


def table_rows(content: str) -> list[list[str]]:
    """The Markdown table's body rows, split into cells."""
    lines = [ln for ln in content.splitlines() if ln.startswith("|")]
    assert lines[0].startswith("| # | Title | Artist | Year | Energy | Valence | BPM | Why |"), content
    return [[c.strip() for c in ln.strip("|").split(" | ")] for ln in lines[2:]]


def thread(server, thread_id: str) -> dict:
    r = httpx.get(f"{server.url}/v1/threads/{thread_id}", headers={"X-API-Key": "s3cret"}, timeout=30)
    assert r.status_code == 200, r.text
    return r.json()


def test_models_lists_playgenie(client):
    assert [m.id for m in client.models.list()] == ["playgenie"]


def test_a_conversation_through_chat_completions(client, server):
    first_msg = {"role": "user", "content": "90s hip hop for the gym"}
    raw = client.chat.completions.with_raw_response.create(model="playgenie", user="ana", messages=[first_msg])
    tid = raw.headers["x-playgenie-thread-id"]
    r = raw.parse()
    content = r.choices[0].message.content
    assert r.object == "chat.completion" and r.model == "playgenie" and r.choices[0].finish_reason == "stop"
    state = thread(server, tid)
    rows = table_rows(content)
    assert [(row[1], row[2]) for row in rows] == [(t["title"], t["artist"]) for t in state["playlist"]]
    # The same words as the chat's reply, with the numbered listing replaced by the table.
    assert content.startswith(state["reply"].split("\n\nYour playlist")[0])
    assert "1. " + state["playlist"][0]["title"] not in content

    # A chat UI sends the whole history back: the same conversation goes on.
    artist = rows[0][2]
    history = [first_msg, {"role": "assistant", "content": content}, {"role": "user", "content": f"no {artist}"}]
    raw2 = client.chat.completions.with_raw_response.create(model="playgenie", user="ana", messages=history)
    assert raw2.headers["x-playgenie-thread-id"] == tid
    rows2 = table_rows(raw2.parse().choices[0].message.content)
    assert rows2 and artist not in {row[2] for row in rows2}

    # Another user opening with the same words is another conversation.
    other = client.chat.completions.with_raw_response.create(model="playgenie", user="bob", messages=[first_msg])
    assert other.headers["x-playgenie-thread-id"] != tid
    # A chat UI's user object, or a name with spaces, is a user too (its id, or a digest), never a 422.
    for user in ({"id": "ana", "name": "Ana"}, "Ana López"):
        body = {"model": "playgenie", "user": user, "messages": [first_msg]}
        r = httpx.post(f"{server.url}/v1/chat/completions", json=body, headers={"X-API-Key": "s3cret"}, timeout=60)
        assert r.status_code == 200
        assert (r.headers["x-playgenie-thread-id"] == tid) == isinstance(user, dict)


def test_streaming_sends_the_same_answer_chunk_by_chunk(client):
    messages = [
        {"role": "system", "content": "You are helpful."},
        {"role": "user", "content": "classic rock road trip"},
    ]
    headers = {"X-Conversation-Id": "stream-1"}
    chunks = list(
        client.chat.completions.create(
            model="playgenie", user="cy", messages=messages, stream=True, extra_headers=headers
        )
    )
    assert len(chunks) > 5 and chunks[0].choices[0].delta.role == "assistant"
    assert chunks[-1].choices[0].finish_reason == "stop"
    streamed = "".join(c.choices[0].delta.content or "" for c in chunks)
    again = client.chat.completions.create(
        model="playgenie",
        user="cy",
        extra_headers=headers,
        messages=messages + [{"role": "user", "content": "why track 1?"}],
    )
    said = again.choices[0].message.content
    assert table_rows(streamed) and table_rows(streamed) == table_rows(said)  # the streamed turn made this playlist
    assert table_rows(streamed)[0][1] in said.split("| # |")[0]  # "why track 1?" talks about its first song


def test_the_conversation_header_keeps_two_chats_apart(client):
    same = [{"role": "user", "content": "edm bangers"}]
    a = client.chat.completions.with_raw_response.create(
        model="playgenie", messages=same, extra_headers={"X-Conversation-Id": "a"}
    )
    b = client.chat.completions.with_raw_response.create(
        model="playgenie", messages=same, extra_headers={"X-Conversation-Id": "b"}
    )
    assert a.headers["x-playgenie-thread-id"] != b.headers["x-playgenie-thread-id"]


def test_a_long_history_is_accepted(client):
    # Chat UIs re-send every turn; past the API's 64 KB body limit only the first and last user messages count.
    filler = [{"role": "assistant" if i % 2 else "user", "content": "x" * 4000} for i in range(40)]
    messages = [{"role": "user", "content": "chill pop afternoon"}, *filler, {"role": "user", "content": "undo"}]
    assert sum(len(m["content"]) for m in messages) > MAX_BODY
    r = client.chat.completions.create(model="playgenie", user="dee", messages=messages)
    assert r.choices[0].message.content


def test_wrong_key_and_no_user_message(server, client):
    with (
        openai.OpenAI(base_url=f"{server.url}/v1", api_key="wrong", max_retries=0) as bad,
        pytest.raises(openai.AuthenticationError),
    ):
        bad.models.list()
    with pytest.raises(openai.BadRequestError):
        client.chat.completions.create(model="playgenie", messages=[{"role": "system", "content": "hi"}])


def test_user_tokens_act_as_their_user_only(tiny_csv, tiny_pipeline, tmp_path):
    from agent.service import ChatService
    from bots.auth import mint_token

    secret = "x" * 40
    settings = Settings(data=tiny_csv, home=tmp_path / "home", auth_secret=secret)
    service = ChatService(settings, pipeline=tiny_pipeline)
    alice, bob = mint_token(secret, "alice"), mint_token(secret, "bob")
    hello = [{"role": "user", "content": "chill jazz"}]
    try:
        with BackgroundServer(create_app(settings, service)) as srv:
            with openai.OpenAI(base_url=f"{srv.url}/v1", api_key=alice, timeout=60, max_retries=0) as c:
                raw = c.chat.completions.with_raw_response.create(model="playgenie", messages=hello)
                tid = raw.headers["x-playgenie-thread-id"]
                assert table_rows(raw.parse().choices[0].message.content)
                with pytest.raises(openai.PermissionDeniedError):  # alice's token cannot speak as bob
                    c.chat.completions.create(model="playgenie", messages=hello, user="bob")
            with openai.OpenAI(base_url=f"{srv.url}/v1", api_key="not-a-token", timeout=60, max_retries=0) as c:
                with pytest.raises(openai.AuthenticationError):
                    c.models.list()
            for token, code in ((alice, 200), (bob, 403)):  # the thread is alice's: bob cannot read it or its chart
                for path in (f"/v1/threads/{tid}", f"/v1/threads/{tid}/chart.png"):
                    r = httpx.get(srv.url + path, headers={"Authorization": f"Bearer {token}"}, timeout=30)
                    assert r.status_code == code, (path, r.text)
    finally:
        service.close()
