"""A password in a model URL reaches no file and no output (issue 17 point 5, review D9).

The run is recorded against the loopback stand-ins with every role on
`openai-compatible:http://retest:PASSWORD@127.0.0.1:PORT/v1#llama3.1` (a
basic-auth proxy in front of Ollama, say). The stand-in must see the password
(the request uses the real URL); afterwards a byte search of every file the
commands wrote (state directory, cassette, report, exports, applied line) and
of everything they printed finds it nowhere, as the key tests do for API keys.
"""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from agent.cli import run as cli
from agent.config import load_settings, settings_from_saved
from agent.errors import ConfigError
from agent.llm.factory import make_client
from agent.recording.scrub import scrub_url
from agent.redact import MASK, has_redacted_credentials, redact_url, redact_urls, strip_url_credentials, url_secrets
from agent.runs import list_runs
from agent.store import Store
from evals.benchmark import serve
from tests.safety.conftest import LINE

PASSWORD = "SECRETX-urlpass-777"
TOKEN = "tok_SECRETQ_0123456789"
ROLES = ("PLANNER", "SCREENER", "JUDGE", "WRITER")


# ---- the redaction itself ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("http://retest:SECRETX@127.0.0.1:8080/v1", "http://retest:***@127.0.0.1:8080/v1"),
        ("https://TOKEN123@proxy.example/v1", "https://***@proxy.example/v1"),
        ("http://u:p%40ss@h/v1?api_key=abc&q=1#frag", "http://u:***@h/v1?api_key=***&q=1#frag"),
        ("http://u:p@ss@h/v1", "http://u:***@h/v1"),  # an unencoded '@' in the password stays in the password
        ("http://h/v1?Token=abc&x=1", "http://h/v1?Token=***&x=1"),
        ("http://127.0.0.1:11434/v1", "http://127.0.0.1:11434/v1"),
        ("https://export.arxiv.org/api/query?search_query=all:x&start=0", "https://export.arxiv.org/api/query?search_query=all:x&start=0"),
    ],
)
def test_redact_url_masks_credentials_and_keeps_the_rest(url: str, shown: str) -> None:
    assert redact_url(url) == shown
    assert has_redacted_credentials(shown) == (shown != url)


def test_a_model_string_and_free_text_are_redacted_where_they_hold_a_url() -> None:
    model = f"openai-compatible:http://retest:{PASSWORD}@127.0.0.1:9/v1#llama3.1"
    assert redact_urls(model) == "openai-compatible:http://retest:***@127.0.0.1:9/v1#llama3.1"
    text = f"task 'judge' on {model}: HTTP 500 from http://retest:{PASSWORD}@127.0.0.1:9/v1/chat/completions."
    assert PASSWORD not in redact_urls(text) and redact_urls(text).endswith("/v1/chat/completions.")


def test_a_cassette_uri_loses_the_user_part_entirely() -> None:
    assert scrub_url(f"http://retest:{PASSWORD}@127.0.0.1:9/v1/chat/completions") == "http://127.0.0.1:9/v1/chat/completions"
    assert scrub_url(f"http://127.0.0.1:9/v1?api_key={TOKEN}&a=1") == "http://127.0.0.1:9/v1?a=1"
    assert strip_url_credentials("http://127.0.0.1:9/v1") == "http://127.0.0.1:9/v1"


_PASSWORDS = st.text(alphabet=st.characters(blacklist_characters="/?#@\r\n\t \"'<>`", blacklist_categories=("Cs", "Zs", "Cc")), min_size=1, max_size=30)


@given(user=st.from_regex(r"[a-z][a-z0-9]{0,8}", fullmatch=True), password=_PASSWORDS, host=st.sampled_from(["127.0.0.1:8080", "proxy.example", "[::1]:9"]))
def test_no_password_survives_redaction(user: str, password: str, host: str) -> None:
    url = f"https://{user}:{password}@{host}/v1"
    shown = redact_urls(f"openai-compatible:{url}#m and again {url}/chat")
    assert f":{password}@" not in shown and shown.count(f"{user}:{MASK}@{host}") == 2
    assert password in url_secrets(url)


# ---- settings: saved without the password, restored from the environment on resume ---------------------------------


def test_saved_settings_hold_no_password_and_a_resume_takes_it_from_the_environment(monkeypatch) -> None:
    real = f"openai-compatible:http://retest:{PASSWORD}@127.0.0.1:9/v1#llama3.1"
    monkeypatch.setenv("RETEST_JUDGE", real)
    monkeypatch.setenv("RETEST_ARXIV_API_URL", f"http://127.0.0.1:9/api/query?api_key={TOKEN}")
    settings = load_settings()
    assert settings.judge == real, "the request uses the real URL"
    saved = json.dumps(settings.saved())
    assert PASSWORD not in saved and TOKEN not in saved and PASSWORD not in json.dumps(settings.models())
    assert settings_from_saved(settings.saved()).judge == real, "resumed with the same URL in the environment"
    monkeypatch.delenv("RETEST_JUDGE")
    redacted = settings_from_saved(settings.saved()).judge
    assert redacted == "openai-compatible:http://retest:***@127.0.0.1:9/v1#llama3.1"
    # Replay needs no credentials (cassettes hold none); a live client refuses to send `***` as a password.
    make_client(redacted, settings=settings, replay=True, role="judge")
    with pytest.raises(ConfigError, match="RETEST_JUDGE") as failed:
        make_client(redacted, settings=settings, replay=False, role="judge")
    assert PASSWORD not in str(failed.value)


@pytest.fixture
def wide_output(monkeypatch) -> None:
    """Rich folds long cells and JSON at 80 columns: a password split over two lines would hide from the search."""
    from agent.cli.app import err, out

    for console in (out, err):
        monkeypatch.setattr(console, "width", 2000)


def test_retest_models_shows_no_password(monkeypatch, capsys, wide_output) -> None:
    for role in ROLES:
        monkeypatch.setenv(f"RETEST_{role}", f"openai-compatible:http://retest:{PASSWORD}@127.0.0.1:9/v1?api_key={TOKEN}#llama3.1")
    assert cli(["models"]) == 0
    shown = capsys.readouterr()
    assert "retest:***@127.0.0.1" in shown.out
    assert PASSWORD not in shown.out + shown.err and TOKEN not in shown.out + shown.err
    # A bad model string is quoted in the error: redacted there too.
    monkeypatch.setenv("RETEST_JUDGE", f"openai-compatible:http://retest:{PASSWORD}@127.0.0.1:9/v1")
    assert cli(["models"]) == 3
    assert PASSWORD not in "".join(capsys.readouterr())


# ---- the whole record path -----------------------------------------------------------------------------------------


class _RecordingAuth(serve.ModelHandler):
    """The model stand-in, noting the Authorization header each request came with."""

    def do_POST(self) -> None:  # noqa: N802 - http.server's name
        self.server.auth.append(self.headers.get("Authorization", ""))  # type: ignore[attr-defined]
        super().do_POST()


@pytest.fixture
def standins_behind_basic_auth(monkeypatch):
    arxiv, model = serve.start(0.0, 0.0)
    model.RequestHandlerClass = _RecordingAuth
    model.auth = []  # type: ignore[attr-defined]
    monkeypatch.setenv("RETEST_ARXIV_API_URL", f"{arxiv.base}/api/query")
    monkeypatch.setenv("RETEST_ARXIV_SPACING_S", "0")
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    url = model.base.replace("http://", f"http://retest:{PASSWORD}@")
    for role in ROLES:
        monkeypatch.setenv(f"RETEST_{role}", f"openai-compatible:{url}/v1#llama3.1")
    yield model
    for server in (arxiv, model):
        server.shutdown()
        server.server_close()


def _files_holding(root: Path, secret: bytes) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file() and secret in p.read_bytes())


@pytest.mark.block_network(allowed_hosts=["127.0.0.1"])
def test_a_password_in_the_model_url_reaches_no_file_and_no_output(standins_behind_basic_auth, tmp_path, monkeypatch, capsys, wide_output) -> None:
    home = tmp_path / "state"
    monkeypatch.setenv("RETEST_HOME", str(home))
    cassette, line = tmp_path / "rec.yaml", tmp_path / "line.md"
    printed: list[str] = []

    def run(*args: str, code: int = 0) -> str:
        assert cli(list(args)) == code, args
        out, err = capsys.readouterr()
        printed.append(out + err)
        return out

    run("models")
    run("run", str(LINE), "--record", str(cassette), "--run-date", "2026-11-29")
    expected = "Basic " + base64.b64encode(f"retest:{PASSWORD}".encode()).decode()
    assert standins_behind_basic_auth.auth and set(standins_behind_basic_auth.auth) == {expected}, "the requests use the real URL"
    (record,) = list_runs(Store.open(home / "retest.db"))
    run("runs", "--json")
    (tmp_path / "report.md").write_text(run("report", record.id), encoding="utf-8")
    (tmp_path / "report.json").write_text(run("report", record.id, "--format", "json"), encoding="utf-8")
    run("review", record.id, "--accept-grounded")
    run("review", record.id, "--list", "--json")
    run("export", record.id, "--json", "--out", str(tmp_path / "export.json"))
    run("export", record.id, "--bibtex", "--out", str(tmp_path / "refs.bib"))
    run("apply", record.id, "--out", str(line), "--date", "2026-11-30")
    assert "retest:***@127.0.0.1" in line.read_text(encoding="utf-8"), "the changelog still says which server"
    assert "retest:***@127.0.0.1" in json.loads((tmp_path / "export.json").read_text(encoding="utf-8"))["run"]["models"]["judge"]

    assert _files_holding(tmp_path, PASSWORD.encode()) == [], "no file holds the password"
    assert not [text for text in printed if PASSWORD in text], "no command printed it"
    assert "retest:" not in cassette.read_text(encoding="utf-8"), "cassette URIs carry no user part"

    # The recording replays offline, with the password nowhere (and the servers gone).
    for role in ROLES:
        monkeypatch.setenv(f"RETEST_{role}", record.models[role.lower()])
    run("run", str(LINE), "--replay", str(cassette))
    assert _files_holding(tmp_path, PASSWORD.encode()) == []
