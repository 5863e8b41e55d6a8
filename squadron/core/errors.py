"""Errors the engine reports to users: one clear line each, with the CLI exit code."""

from __future__ import annotations


class SquadronError(Exception):
    """An operation failed (exit 1). ``str()`` is one line meant for the user."""

    exit_code = 1


class UsageError(SquadronError):
    """Bad input or environment: unknown task, not a repo, tmux missing (exit 2)."""

    exit_code = 2
