"""LLM faults against a small real HTTP server that misbehaves on purpose (no mocks of our client).

The server speaks the OpenAI chat-completions route and decides how to misbehave from the input
it is asked about: it times out, answers HTTP 500, sends a cut-off answer or a body that is not
JSON, or names elements the input does not. One batch holds all of them and one good question:
nothing crashes, the good answer is accepted, and no fault is stored as accepted.
"""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from auditor.normalize.apply import StoreLLMCache
from auditor.normalize.llm import LLMConfig, run_llm
from auditor.normalize.review import consultation_table, decision_table
from db.connection import connect

# The store half (what the LLM cache and the decisions keep) runs on a DuckDB file and on a
# team store (DuckLake over PostgreSQL); the misbehaving server is the same in both.
STORE_MODES = ("embedded", "team")

SLOW, FAIL, CUT, GARBAGE, FOREIGN, GOOD = (
    "slow lithium phosphate",
    "lithium failing chloride",
    "lithium cut sulfide",
    "lithium garbage iodide",
    "lithium yttrium chloride",
    "lithium thiophosphate",
)


def _completion(content: str) -> dict:
    return {
        "id": "x",
        "object": "chat.completion",
        "created": 0,
        "model": "faulty",
        "choices": [
            {
                "index": 0,
                "finish_reason": "stop",
                "message": {"role": "assistant", "content": content},
            }
        ],
    }


class _Faulty(BaseHTTPRequestHandler):
    def log_message(self, *args):  # keep the test output clean
        pass

    def _send(self, status: int, body: bytes, length: int | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body) if length is None else length))
        self.end_headers()
        try:
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):  # the client gave up first (timeout)
            pass

    def do_POST(self):  # noqa: N802 - the http.server API
        request = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        text = json.loads(request["messages"][-1]["content"])["input"]
        if text == SLOW:
            time.sleep(2.0)
            self._send(200, json.dumps(_completion('{"formula": "Li3PO4"}')).encode())
        elif text == FAIL:
            self._send(500, b'{"error": {"message": "boom", "type": "server_error"}}')
        elif text == CUT:  # a reply cut off mid-answer
            self._send(200, json.dumps(_completion('{"formula": "Li3P')).encode())
        elif text == GARBAGE:  # the HTTP body itself is not JSON
            self._send(200, b"<html>502 bad gateway</html>")
        elif text == FOREIGN:  # Sc is not in the input
            answer = {"formula": "Li3ScCl6", "family": "halide", "carrier_ion": "Li"}
            self._send(200, json.dumps(_completion(json.dumps(answer))).encode())
        else:
            answer = {"formula": "Li3PS4", "family": "thiophosphate", "carrier_ion": "Li"}
            self._send(200, json.dumps(_completion(json.dumps(answer))).encode())


@pytest.fixture(scope="module")
def faulty_server():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Faulty)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/v1"
    server.shutdown()
    server.server_close()


@pytest.fixture
def con(empty_store):
    con = connect(empty_store, on_wait=None)
    yield con
    con.close()


def test_every_fault_in_one_batch_is_refused_and_the_good_answer_kept(faulty_server, con):
    config = LLMConfig(
        base_url=faulty_server, model="faulty", api_key="sk-x", timeout=0.5, max_retries=0
    )
    inputs = [SLOW, FAIL, CUT, GARBAGE, FOREIGN, GOOD]
    run = run_llm("entity", inputs, cache=StoreLLMCache(con), config=config)

    assert run.results[:5] == [None] * 5
    assert run.results[5]["formula"] == "Li3PS4" and run.accepted == 1
    verdicts = {t: c["verdict"] for t, c in run.consultations.items()}
    assert verdicts == {
        SLOW: "error",
        FAIL: "error",
        CUT: "rejected",
        GARBAGE: "error",
        FOREIGN: "rejected",
        GOOD: "accepted",
    }
    reasons = {t: c["reason"] for t, c in run.consultations.items()}
    assert "Timeout" in reasons[SLOW]
    assert "InternalServerError" in reasons[FAIL]
    assert "no JSON object" in reasons[CUT]
    assert "Sc" in reasons[FOREIGN] and "does not name" in reasons[FOREIGN]
    assert all(c["asked"] for c in run.consultations.values())

    # the store: only the good answer is cached; every fault is a rejected decision with a reason
    cached = {i for (i,) in con.execute("SELECT input FROM llm_cache").fetchall()}
    assert cached == {GOOD}
    rows = dict(con.execute("SELECT input, status FROM normalization_decisions").fetchall())
    assert rows == {t: ("accepted" if t == GOOD else "rejected") for t in inputs}

    # the review page's tables show the consultation: the proposal and the verdict
    table = decision_table(con, kind="entity")
    foreign = table.set_index("input").loc[FOREIGN]
    assert "Li3ScCl6" in foreign["llm_proposal"] and foreign["llm_verdict"] == "rejected"
    consulted = consultation_table(run).set_index("input")
    assert consulted.loc[FOREIGN, "verdict"] == "rejected"
    assert "Li3ScCl6" in consulted.loc[FOREIGN, "proposal"]


def test_a_rerun_asks_again_only_with_retry_and_never_caches_a_fault(faulty_server, con):
    config = LLMConfig(base_url=faulty_server, model="faulty", api_key="sk-x", timeout=0.5)
    cache = StoreLLMCache(con)
    first = run_llm("entity", [FOREIGN, GOOD], cache=cache, config=config)
    again = run_llm("entity", [FOREIGN, GOOD], cache=cache, config=config)
    assert first.calls == 2 and again.calls == 0
    assert again.consultation(FOREIGN)["verdict"] == "skipped"
    assert again.consultation(GOOD)["verdict"] == "cached"
    retried = run_llm("entity", [FOREIGN], cache=cache, config=config, retry_rejected=True)
    assert retried.calls == 1 and retried.results == [None]
    assert {i for (i,) in con.execute("SELECT input FROM llm_cache").fetchall()} == {GOOD}
