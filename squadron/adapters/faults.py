"""Named fault points for the fault-injection tests: a test-only way to die mid-operation.

Multi-step operations (``new``, ``merge``, ``archive``, ``rm``) call :func:`fault_point` between
their steps. When ``SQUADRON_FAULT`` names that step, the process kills itself with SIGKILL at
once, exactly as ``kill -9`` would: no cleanup, no ``finally`` blocks, no atexit handlers. The
tests then check that ``ls`` and ``doctor`` tell the truth and that nothing was lost.
"""

from __future__ import annotations

import os
import signal

ENV = "SQUADRON_FAULT"


def fault_point(name: str) -> None:
    """Die here (SIGKILL) if ``$SQUADRON_FAULT`` is ``name``; otherwise do nothing."""
    if os.environ.get(ENV) == name:
        os.kill(os.getpid(), signal.SIGKILL)
