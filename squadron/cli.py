"""``squadron`` command line: subcommands over the engine; the TUI is imported only when opened.

Exit codes: 0 success, 1 the operation failed, 2 usage or environment error. Every failure is one
line on stderr, never a traceback (set SQUADRON_DEBUG=1 to see one for an internal error).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from squadron import __version__
from squadron.adapters.git import scrub_repo_environment
from squadron.core.approve import POLICIES
from squadron.core.errors import SquadronError, UsageError
from squadron.core.naming import first_line
from squadron.core.task import Mode, Task
from squadron.engine.engine import STRATEGIES, Engine, check_floors


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="squadron",
        description="Run AI coding agents in parallel, each in its own worktree and tmux "
        "session; review and merge their work. With no command, opens the TUI.",
    )
    p.add_argument("--repo", metavar="PATH", help="the git repository (default: current folder)")
    p.add_argument("--version", action="version", version=f"squadron {__version__}")
    sub = p.add_subparsers(dest="command", metavar="COMMAND")

    new = sub.add_parser("new", help="create a task and start its agent; prints the task id")
    new.add_argument("title", help="task title (use `--` before a title that starts with -)")
    src = new.add_mutually_exclusive_group()
    src.add_argument(
        "--prompt", help="the first instruction (use --prompt=TEXT if it starts with -)"
    )
    src.add_argument("--prompt-file", metavar="FILE", help="read the prompt from FILE (- = stdin)")
    new.add_argument("--agent", help="agent preset (claude, codex, aider, gemini, opencode, shell)")
    new.add_argument(
        "--command",
        dest="agent_command",
        metavar="CMD",
        help="run CMD instead of the preset's command (split like a shell, not run by one)",
    )
    new.add_argument("--base", help="branch to start from and merge into (default: current)")
    new.add_argument("--acceptance", default="", help="acceptance criteria")
    new.add_argument(
        "--auto-approve",
        choices=POLICIES,
        default="",
        help="answer the agent's permission questions while unattended "
        "(default: the auto_approve setting)",
    )
    new.add_argument(
        "--no-wait",
        action="store_true",
        help="return at once; the prompt is typed when squadron next sees the agent ready",
    )

    ls = sub.add_parser("ls", help="list tasks")
    ls.add_argument("--json", action="store_true", help="machine-readable output")
    ls.add_argument("--all", action="store_true", help="include archived tasks")

    attach = sub.add_parser("attach", help="take over: attach this terminal to the task's pane")
    attach.add_argument("id")

    handback = sub.add_parser("handback", help="send a task back to unattended mode")
    handback.add_argument("id")
    handback.add_argument("--note", default="", help="an instruction typed into the agent next")

    policy = sub.add_parser(
        "auto-approve", help="set a task's auto-approve policy (off, safe, all)"
    )
    policy.add_argument("id")
    policy.add_argument("policy", choices=POLICIES)

    send = sub.add_parser("send", help="type an instruction into the agent")
    send.add_argument("id")
    send.add_argument(
        "text", nargs="+", help="the instruction (use `--` before text starting with -)"
    )
    send.add_argument("--force", action="store_true", help="type even in conductor mode")

    diff = sub.add_parser("diff", help="the task's changes against its base")
    diff.add_argument("id")
    diff.add_argument("--stat", action="store_true", help="a summary per file")

    merge = sub.add_parser("merge", help="merge the task's branch into its base")
    merge.add_argument("id")
    merge.add_argument("--strategy", choices=STRATEGIES, default="merge")
    merge.add_argument("--message", "-m", help="commit message (default: the task title)")
    merge.add_argument(
        "--forecast", action="store_true", help="only predict conflicts; change nothing"
    )

    archive = sub.add_parser(
        "archive", help="end the session, remove the worktree, keep the branch"
    )
    archive.add_argument("id")

    rm = sub.add_parser("rm", help="delete a task (refuses to drop unmerged work without --force)")
    rm.add_argument("id")
    rm.add_argument(
        "--force",
        action="store_true",
        help="delete even with unmerged work (kept under refs/squadron/trash/ID)",
    )

    sub.add_parser("doctor", help="check git, tmux, config and agent commands")

    demo = sub.add_parser("demo", help="a throw-away sample repo with scripted agents, in the TUI")
    demo.add_argument(
        "--clean", action="store_true", help="remove the demo repositories and end their agents"
    )
    return p


def _read_prompt(args: argparse.Namespace) -> str:
    if args.prompt_file is None:
        return str(args.prompt or "")
    try:
        if args.prompt_file == "-":
            return sys.stdin.read()
        return Path(args.prompt_file).read_text(encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"cannot read prompt file {args.prompt_file}: {exc.strerror}") from None
    except UnicodeDecodeError:
        raise UsageError(f"prompt file {args.prompt_file} is not UTF-8 text") from None


def _row(task: Task, policy: str) -> dict[str, Any]:
    return {
        "id": task.id,
        "title": task.title,
        "agent": task.agent,
        "status": task.status_label,
        "provenance": task.provenance.value,
        "stage": task.stage.value,
        "mode": task.mode.value,
        "auto_approve": policy,
        "branch": task.branch,
        "base": task.base,
        "added": task.added,
        "removed": task.removed,
        "exit_code": task.exit_code,
        "worktree": task.worktree,
        "session": task.session,
        "created_at": task.created_at,
    }


def cmd_new(engine: Engine, args: argparse.Namespace) -> int:
    prompt = _read_prompt(args)
    task = engine.new_task(
        args.title,
        prompt=prompt,
        agent=args.agent,
        base=args.base,
        acceptance=args.acceptance,
        command=args.agent_command,
        auto_approve=args.auto_approve,
    )
    if prompt and not task.prompt_delivered and not args.no_wait:
        delivery = engine.deliver_prompt(task.id)
        if delivery.message:
            print(f"squadron: {task.id}: {delivery.message}", file=sys.stderr)
    print(task.id)
    return 0


def cmd_ls(engine: Engine, args: argparse.Namespace) -> int:
    tasks = [t for t in engine.observe_once() if args.all or t.stage.value != "archived"]
    for task in tasks:
        task.added, task.removed = engine.stats(task)
    if args.json:
        print(
            json.dumps(
                [_row(t, engine.approve_policy(t)) for t in tasks], indent=1, ensure_ascii=False
            )
        )
        return 0
    if not tasks:
        print("no tasks; create one with: squadron new TITLE --prompt TEXT")
        return 0
    header = ("ID", "TITLE", "AGENT", "STATUS", "STAGE", "MODE", "BRANCH", "+/-")
    rows = [header] + [
        (
            t.id,
            first_line(t.title, 36),
            t.agent,
            f"{t.status_label} ({t.provenance.value})",
            t.stage.value,
            t.mode.value,
            t.branch,
            f"+{t.added} -{t.removed}",
        )
        for t in tasks
    ]
    widths = [max(len(r[i]) for r in rows) for i in range(len(header))]
    for r in rows:
        print("  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip())
    return 0


def cmd_attach(engine: Engine, args: argparse.Namespace) -> int:
    if not sys.stdin.isatty() or not sys.stdout.isatty():
        raise UsageError("attach needs a terminal (stdin and stdout must be a tty)")
    argv = engine.attach_argv(args.id)
    env = {k: v for k, v in os.environ.items() if k not in ("TMUX", "TMUX_PANE")}
    subprocess.run(argv, env=env, check=False)
    print(
        f"{args.id} stays in conductor mode; `squadron handback {args.id}` returns it to "
        "unattended mode"
    )
    return 0


def cmd_handback(engine: Engine, args: argparse.Namespace) -> int:
    engine.set_mode(args.id, Mode.UNATTENDED, note=args.note)
    return 0


def cmd_auto_approve(engine: Engine, args: argparse.Namespace) -> int:
    engine.set_auto_approve(args.id, args.policy)
    return 0


def cmd_send(engine: Engine, args: argparse.Namespace) -> int:
    engine.send(args.id, " ".join(args.text), force=args.force)
    return 0


def cmd_diff(engine: Engine, args: argparse.Namespace) -> int:
    sys.stdout.write(engine.diff(args.id, stat=args.stat))
    return 0


def cmd_merge(engine: Engine, args: argparse.Namespace) -> int:
    if args.forecast:
        conflicts = engine.forecast(args.id)
        if conflicts:
            print(f"would conflict in: {', '.join(conflicts)}")
            return 1
        print("merges cleanly")
        return 0
    commit = engine.merge(args.id, strategy=args.strategy, message=args.message)
    task = engine.get(args.id)
    print(f"merged {task.id} into {task.base} ({args.strategy}) as {commit[:10]}")
    return 0


def cmd_archive(engine: Engine, args: argparse.Namespace) -> int:
    note = engine.archive(args.id)
    task = engine.get(args.id)
    print(f"archived {task.id}; branch {task.branch} kept" + (f"; {note}" if note else ""))
    return 0


def cmd_rm(engine: Engine, args: argparse.Namespace) -> int:
    saved = engine.remove(args.id, force=args.force)
    print(f"removed {args.id}" + (f"; {saved}" if saved else ""))
    return 0


def cmd_tui(engine: Engine) -> int:
    from squadron.ui.app import SquadronApp

    SquadronApp(engine).run()
    print("squadron: agents keep running; `squadron` brings you back, `squadron ls` lists them")
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    from squadron.demo.run import clean_demos, prepare_demo

    if args.clean:
        removed = clean_demos()
        print(f"removed {len(removed)} demo repositor{'y' if len(removed) == 1 else 'ies'}")
        return 0
    if not sys.stdin.isatty() or not sys.stdout.isatty():
        raise UsageError("the demo opens the TUI: run it in a terminal")
    engine, _ = prepare_demo()
    code = cmd_tui(engine)
    print(
        f"squadron: the demo repository is {engine.repo.toplevel}; come back with "
        f"`squadron --repo {engine.repo.toplevel}`, clean up with `squadron demo --clean`"
    )
    return code


def cmd_doctor(args: argparse.Namespace) -> int:
    from squadron.engine.doctor import run_doctor

    ok = True
    for check in run_doctor(Path(args.repo) if args.repo else None):
        print(f"[{check.mark}] {check.what}" + (f": {check.fix}" if check.fix else ""))
        ok = ok and (check.ok or check.optional)
    return 0 if ok else 1


COMMANDS = {
    "new": cmd_new,
    "ls": cmd_ls,
    "attach": cmd_attach,
    "handback": cmd_handback,
    "auto-approve": cmd_auto_approve,
    "send": cmd_send,
    "diff": cmd_diff,
    "merge": cmd_merge,
    "archive": cmd_archive,
    "rm": cmd_rm,
}


def run(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    # Started from a git hook, GIT_DIR and friends would send every git call (and every
    # agent) to that other repository: squadron finds its repository itself.
    scrub_repo_environment()
    if args.command == "doctor":
        return cmd_doctor(args)
    if args.command == "demo":
        check_floors()
        return cmd_demo(args)
    engine = Engine.open(Path(args.repo) if args.repo else None)
    if args.command is None:
        if not sys.stdin.isatty() or not sys.stdout.isatty():
            raise UsageError("the TUI needs a terminal; see `squadron --help` for commands")
        return cmd_tui(engine)
    code = COMMANDS[args.command](engine, args)
    for problem in engine.problems:
        print(f"squadron: warning: {problem}", file=sys.stderr)
    return code


def main(argv: Sequence[str] | None = None) -> int:
    try:
        return run(argv)
    except SquadronError as exc:
        print(f"squadron: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("squadron: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 1
    except Exception as exc:
        if os.environ.get("SQUADRON_DEBUG"):
            raise
        print(
            f"squadron: internal error: {type(exc).__name__}: {first_line(str(exc), 200)} "
            "(set SQUADRON_DEBUG=1 for details)",
            file=sys.stderr,
        )
        return 1


if __name__ == "__main__":
    sys.exit(main())
