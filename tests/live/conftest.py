"""The live suite: the five real agent CLIs, offline, against the scripted model server.

Skipped unless ``SQUADRON_LIVE=1`` and the agents are installed (``scripts/install-agents``
puts them in ``$SQUADRON_AGENTS``, default ``~/.cache/squadron-agents``). Each test gets the
usual isolation (private HOME, XDG folders, tmux socket) plus each agent's own configuration in
that HOME, pointed at a model server on a free loopback port. Nothing is pre-trusted: start-up
questions come up as they would for a new user.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
PREFIX = Path(os.environ.get("SQUADRON_AGENTS") or Path.home() / ".cache" / "squadron-agents")
# The isolation fixture moves HOME: read the install location before it does.
BIN = [PREFIX / "npm" / "node_modules" / ".bin", PREFIX / "aider-venv" / "bin"]
AGENTS = ("claude", "codex", "gemini", "opencode", "aider")


def installed(agent: str) -> bool:
    return any((folder / agent).exists() for folder in BIN)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/live/" not in str(item.fspath):
            continue
        if os.environ.get("SQUADRON_LIVE") != "1":
            item.add_marker(pytest.mark.skip(reason="the live suite runs with SQUADRON_LIVE=1"))
        item.add_marker(pytest.mark.timeout(240))


@dataclass
class Mock:
    port: int
    log: Path

    def requests(self) -> list[dict[str, object]]:
        if not self.log.exists():
            return []
        return [json.loads(line) for line in self.log.read_text().splitlines() if line.strip()]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def mock(tmp_path: Path) -> Iterator[Mock]:
    port, logs = _free_port(), tmp_path / "mock-logs"
    logs.mkdir()
    proc = subprocess.Popen(
        [sys.executable, str(HERE / "mock_llm.py"), "--port", str(port), "--log-dir", str(logs)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                break
        time.sleep(0.05)
    try:
        yield Mock(port, logs / "requests.jsonl")
    finally:
        proc.terminate()
        proc.wait(timeout=5)


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


@pytest.fixture
def agent_env(mock: Mock, monkeypatch: pytest.MonkeyPatch) -> Mock:
    """Every agent's configuration in the private HOME, pointed at the mock; the agents on
    PATH. The tmux server (and so every agent) starts with this environment."""
    home = Path(os.environ["HOME"])
    url = f"http://127.0.0.1:{mock.port}"
    path = os.pathsep.join([*(str(b) for b in BIN), os.environ["PATH"]])
    env = {
        "PATH": path,
        # Claude Code
        "ANTHROPIC_BASE_URL": url,
        "ANTHROPIC_AUTH_TOKEN": "mock-token",
        "DISABLE_AUTOUPDATER": "1",
        "CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC": "1",
        # Codex
        "MOCK_API_KEY": "x",
        # Gemini CLI
        "GOOGLE_GEMINI_BASE_URL": url,
        "GEMINI_API_KEY": "mock-key",
        # opencode
        "OPENCODE_DISABLE_MODELS_FETCH": "1",
        "OPENCODE_DISABLE_AUTOUPDATE": "1",
        "OPENCODE_DISABLE_SHARE": "1",
        "OPENCODE_DISABLE_LSP_DOWNLOAD": "1",
        # aider
        "LITELLM_LOCAL_MODEL_COST_MAP": "True",
    }
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    _write(home / ".claude.json", json.dumps({"hasCompletedOnboarding": True}))
    _write(
        home / ".codex" / "config.toml",
        'model = "mock-model"\nmodel_provider = "mock"\n\n[model_providers.mock]\n'
        f'name = "Mock LLM"\nbase_url = "{url}/v1"\nenv_key = "MOCK_API_KEY"\n'
        'wire_api = "responses"\n',
    )
    _write(
        home / ".gemini" / "settings.json",
        json.dumps(
            {
                "security": {"auth": {"selectedType": "gemini-api-key"}},
                "general": {"disableAutoUpdate": True, "disableUpdateNag": True},
                "privacy": {"usageStatisticsEnabled": False},
                "telemetry": {"enabled": False},
            }
        ),
    )
    _write(
        home / ".config" / "opencode" / "opencode.json",
        json.dumps(
            {
                "provider": {
                    "mock": {
                        "npm": "@ai-sdk/openai-compatible",
                        "name": "Mock LLM",
                        "options": {"baseURL": f"{url}/v1", "apiKey": "mock-key"},
                        "models": {
                            "mock-model": {
                                "name": "Mock Model",
                                "tool_call": True,
                                "limit": {"context": 128000, "output": 4096},
                            }
                        },
                    }
                },
                "model": "mock/mock-model",
                "small_model": "mock/mock-model",
                "autoupdate": False,
                "share": "disabled",
            }
        ),
    )
    _write(
        home / ".aider" / "caches" / "model_prices_and_context_window.json",
        json.dumps(
            {
                "openai/mock-model": {
                    "max_input_tokens": 128000,
                    "max_tokens": 4096,
                    "max_output_tokens": 4096,
                    "input_cost_per_token": 0,
                    "output_cost_per_token": 0,
                    "litellm_provider": "openai",
                    "mode": "chat",
                }
            }
        ),
    )
    return mock
