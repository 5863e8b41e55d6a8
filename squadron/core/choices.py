"""The fixed choices commands offer (kept apart so the command line needs nothing else)."""

from __future__ import annotations

POLICIES = ("off", "safe", "all")  # auto-approve policies
STRATEGIES = ("merge", "squash", "rebase")  # merge strategies
