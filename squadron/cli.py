"""``squadron`` command line: subcommands over the engine; the TUI is imported only when opened.

Exit codes: 0 success, 1 the operation failed, 2 usage or environment error. Every failure is one
line on stderr, never a traceback (set SQUADRON_DEBUG=1 to see one for an internal error).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

from squadron import __version__
from squadron.adapters.locate import scrub_repo_environment
from squadron.core.choices import POLICIES, STRATEGIES
from squadron.core.errors import SquadronError, UsageError
from squadron.core.naming import first_line
from squadron.core.status import Status
from squadron.core.task import Mode, Task
from squadron.core.text import clean, is_utf8, one_line

if TYPE_CHECKING:  # the engine (and git, tmux) load only for the commands that use them
    from squadron.engine.book import TaskBook
    from squadron.engine.engine import Engine


class _Parser(argparse.ArgumentParser):
    """argparse whose usage errors are one line on stderr (exit 2), like every other error."""

    def error(self, message: str) -> NoReturn:
        hint = ""
        if any(m in message for m in ("unrecognized argu", "expected one argu", "are required")):
            hint = "; put -- before a title or text starting with -, or write --option=-text"
        self.exit(2, f"squadron: error: {one_line(message)}{hint} (see `{self.prog} --help`)\n")


def _parser() -> argparse.ArgumentParser:
    p = _Parser(
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
        "--wait",
        type=float,
        default=0.0,
        metavar="SECONDS",
        help="wait up to SECONDS for the prompt to be typed (or for a question at start); "
        "by default `new` returns once the task exists and the supervisor types the prompt",
    )
    new.add_argument("--no-wait", action="store_true", help=argparse.SUPPRESS)  # the default now

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

    send = sub.add_parser(
        "send",
        help="type an instruction into the agent (once it shows its prompt), or press keys",
    )
    send.add_argument("id")
    send.add_argument(
        "text", nargs="*", help="the instruction (use `--` before text starting with -)"
    )
    send.add_argument(
        "--key",
        action="append",
        default=[],
        dest="keys",
        metavar="KEY",
        help="press a key at once (tmux name: Escape, C-c, Enter, Down, y, 1); repeatable",
    )
    send.add_argument("--enter", action="store_true", help="press Enter (after any --key)")
    send.add_argument("--force", action="store_true", help="type even in conductor mode")
    send.add_argument(
        "--wait",
        type=float,
        default=10.0,
        metavar="SECONDS",
        help="how long to wait for the text to be typed before saying it is queued (10)",
    )

    diff = sub.add_parser("diff", help="the task's changes against its base")
    diff.add_argument("id")
    diff.add_argument("--stat", action="store_true", help="a summary per file")

    merge = sub.add_parser(
        "merge",
        help="merge the task into its base (a refused merge changes nothing; "
        "merging again finishes an interrupted merge)",
    )
    merge.add_argument("id")
    merge.add_argument("--strategy", choices=STRATEGIES, default="merge")
    merge.add_argument("--message", "-m", help="commit message (default: the task title)")
    merge.add_argument(
        "--forecast", action="store_true", help="only predict conflicts; change nothing"
    )
    merge.add_argument(
        "--override-check",
        action="store_true",
        help="merge even though the check failed, is missing or out of date "
        "(recorded in the task's history)",
    )

    review = sub.add_parser(
        "review", help="comment on a task's changes and send the review to its agent"
    )
    review.add_argument("id")
    review.add_argument(
        "--comment",
        nargs=2,
        action="append",
        default=[],
        metavar=("WHERE", "TEXT"),
        help="add a comment; WHERE is FILE, FILE:LINE or FILE:START-END",
    )
    review.add_argument(
        "--comments-file",
        metavar="F",
        help="add one comment per line: `WHERE: text` (- = stdin)",
    )
    review.add_argument(
        "--remove",
        type=int,
        action="append",
        default=[],
        metavar="N",
        help="remove pending comment N",
    )
    review.add_argument(
        "--send",
        action="store_true",
        help="send the pending comments to the agent as one instruction",
    )
    review.add_argument("--summary", default="", help="a general note sent with the review")
    review.add_argument(
        "--since-last",
        action="store_true",
        help="print the diff of what changed since the last review round",
    )

    check = sub.add_parser("check", help="run the check command in the task's worktree")
    check.add_argument("id")
    check.add_argument(
        "--send-failure",
        action="store_true",
        help="if it fails, send the failure to the agent to fix",
    )

    pr = sub.add_parser("pr", help="push the task's branch and open a pull request (gh)")
    pr.add_argument("id")
    pr.add_argument("--push-only", action="store_true", help="push the branch, open no PR")

    stats = sub.add_parser("stats", help="time to review-ready, review time, rounds")
    stats.add_argument("--json", action="store_true", help="machine-readable output")

    archive = sub.add_parser(
        "archive",
        help="end the session, commit pending work on the branch, remove the worktree, keep "
        "the branch (work no branch holds and ignored files: refs/squadron/archive/ID)",
    )
    archive.add_argument("id")

    rm = sub.add_parser(
        "rm", help="delete a task, its worktree and branch (refuses to lose work without --force)"
    )
    rm.add_argument("id")
    rm.add_argument(
        "--force",
        action="store_true",
        help="delete anyway; commits, uncommitted and ignored files are first kept under "
        "refs/squadron/trash/ID",
    )

    doctor = sub.add_parser(
        "doctor", help="check git, tmux, config, agent commands and the repository's tasks"
    )
    doctor.add_argument(
        "--fix",
        action="store_true",
        help="finish or roll back tasks a killed `new` left half-made; repair moved worktrees",
    )

    sub.add_parser("supervise", help="be this repository's supervisor (normally started for you)")
    sup = sub.add_parser("supervisor", help="see, start or stop the repository's supervisor")
    sup.add_argument("action", choices=("status", "start", "stop"), nargs="?", default="status")

    demo = sub.add_parser("demo", help="a throw-away sample repo with scripted agents, in the TUI")
    demo.add_argument(
        "--clean", action="store_true", help="remove the demo repositories and end their agents"
    )
    return p


def _read_text(name: str, what: str) -> str:
    """The UTF-8 text of file ``name`` (``-``: stdin), or a UsageError naming it."""
    try:
        data = sys.stdin.buffer.read() if name == "-" else Path(name).read_bytes()
    except OSError as exc:
        raise UsageError(f"cannot read {what} {name}: {exc.strerror or exc}") from None
    shown = "on stdin" if name == "-" else name
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise UsageError(f"{what} {shown} is not UTF-8 text (at byte {exc.start + 1})") from None
    if "\0" in text:
        raise UsageError(f"{what} {shown} is not text (it holds NUL bytes)")
    return text


def _read_prompt(args: argparse.Namespace) -> str:
    if args.prompt_file is None:
        return str(args.prompt or "")
    return _read_text(args.prompt_file, "prompt file")


def _row(task: Task, policy: str, half_made: bool = False) -> dict[str, Any]:
    """One task for ``ls --json``: every string is valid UTF-8 (undecodable bytes become
    U+FFFD); control characters are left to JSON's escapes."""
    pending = task.pending()
    row: dict[str, Any] = {
        "id": task.id,
        "title": task.title,
        "agent": task.agent,
        "status": task.status_label,
        "provenance": task.provenance.value,
        "status_since": task.status_since,
        "question": task.question,
        "problem": task.problem,
        "stage": task.stage.value,
        "half_made": half_made,  # a `new` was killed before it finished (`doctor --fix`)
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
        "pending": [
            {"id": o.id, "kind": o.kind, "state": o.state, "note": o.note} for o in pending
        ],
    }
    return {k: clean(v) if isinstance(v, str) else v for k, v in row.items()}


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
    print(task.id)
    pending = task.pending()
    if not pending:
        return 0
    if args.wait <= 0:
        print(
            f"squadron: {task.id}: the prompt is typed once the agent shows its input prompt "
            f"(`squadron ls` shows it pending until then)",
            file=sys.stderr,
        )
        return 0
    return _report(engine, task.id, pending[0].id, args.wait, what="the prompt")


def _report(engine: Engine, tid: str, item_id: int, wait: float, what: str) -> int:
    """Wait for an outbox entry; say in one line what became of it."""
    deadline = time.monotonic() + wait
    while True:
        item = engine.wait_sent(tid, item_id, min(0.25, max(0.0, deadline - time.monotonic())))
        task = engine.store.load(tid)
        if item is None or task is None:
            return 0
        if item.state == "sent":
            return 0
        if item.state == "failed":
            raise SquadronError(f"{tid}: {what} was not typed: {item.note}")
        if task.status == Status.WAITING and task.question and item.state == "pending":
            print(
                f"squadron: {tid}: {what} waits: the agent asks {task.question!r}; answer it "
                f"(`squadron attach {tid}` or `squadron send {tid} --key …`), then it is typed",
                file=sys.stderr,
            )
            return 0
        if time.monotonic() >= deadline:
            why = f" ({item.note})" if item.note else ""
            print(f"squadron: {tid}: {what} is queued{why}", file=sys.stderr)
            return 0


def _since(seconds: float) -> str:
    seconds = max(0, int(seconds))
    if seconds < 60:
        return f"{seconds}s"
    if seconds < 3600:
        return f"{seconds // 60}m"
    if seconds < 86400:
        return f"{seconds // 3600}h"
    return f"{seconds // 86400}d"


def _status_cell(task: Task) -> str:
    cell = f"{task.status_label} ({task.provenance.value})"
    if task.problem:
        cell += " !"
    return cell


def cmd_ls(reader: TaskBook | Engine, args: argparse.Namespace) -> int:
    """The tasks as the supervisor recorded them: no pane is read and nothing recomputed, so
    the answer is the same whoever asks, and instant."""
    from squadron.engine import supervision

    tasks = [t for t in reader.tasks() if args.all or t.stage.value != "archived"]
    live = [t for t in tasks if t.stage.value in ("running", "review") and t.status != Status.LOST]
    if live and not supervision.is_running(reader.store):
        stamp = max(t.status_since for t in live)
        print(
            "squadron: the supervisor was not running, so these statuses are as last recorded "
            f"({_since(time.time() - stamp)} ago); starting it now",
            file=sys.stderr,
        )
        _engine_of(reader, args).supervise()
    if args.json:
        default = reader.default_policy()
        listing = [_row(t, t.auto_approve or default, reader.interrupted(t)) for t in tasks]
        print(json.dumps(listing, indent=1))
        return 0
    if not tasks:
        print("no tasks; create one with: squadron new TITLE --prompt TEXT")
        return 0
    now = time.time()
    header = ("ID", "TITLE", "AGENT", "STATUS", "FOR", "STAGE", "MODE", "BRANCH", "+/-")
    rows = [header] + [
        (
            t.id,
            one_line(first_line(t.title, 36)),
            one_line(t.agent),
            _status_cell(t),
            _since(now - t.status_since),
            t.stage.value,
            t.mode.value,
            one_line(t.branch),
            f"+{t.added} -{t.removed}",
        )
        for t in tasks
    ]
    widths = [max(len(r[i]) for r in rows) for i in range(len(header))]
    for r in rows:
        print("  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip())
    for t in tasks:
        notes = []
        if reader.interrupted(t):
            notes.append(
                "its `new` was killed before it finished; `squadron doctor --fix` finishes "
                f"or rolls it back, `squadron rm {t.id}` removes it"
            )
        if t.status == Status.WAITING and t.question:
            notes.append(f"asks: {t.question}")
        pending = t.pending()
        if pending:
            head = pending[0]
            notes.append(f"{len(pending)} to type ({head.kind}: {head.note or head.state})")
        if t.problem:
            notes.append(t.problem)
        for note in notes:
            print(f"  {t.id}: {one_line(note)}")
    return 0


def _engine_of(reader: TaskBook | Engine, args: argparse.Namespace) -> Engine:
    """The engine (loaded only now, when ``ls`` must start the supervisor)."""
    from squadron.engine.book import TaskBook

    if not isinstance(reader, TaskBook):
        return reader
    from squadron.engine.engine import Engine

    return Engine.open(Path(args.repo) if args.repo else None)


def cmd_attach(engine: Engine, args: argparse.Namespace) -> int:
    if not sys.stdin.isatty() or not sys.stdout.isatty():
        raise UsageError("attach needs a terminal (stdin and stdout must be a tty)")
    argv = engine.attach_argv(args.id)
    env = {k: v for k, v in os.environ.items() if k not in ("TMUX", "TMUX_PANE")}
    import subprocess

    subprocess.run(argv, env=env, check=False)
    print(
        f"{args.id} stays in conductor mode; `squadron handback {args.id}` returns it to "
        "unattended mode"
    )
    return 0


def cmd_handback(engine: Engine, args: argparse.Namespace) -> int:
    task = engine.set_mode(args.id, Mode.UNATTENDED, note=args.note)
    pending = engine.get(task.id).pending()
    if args.note.strip() and pending:
        return _report(engine, task.id, pending[-1].id, 10.0, what="the note")
    return 0


def cmd_auto_approve(engine: Engine, args: argparse.Namespace) -> int:
    engine.set_auto_approve(args.id, args.policy)
    return 0


def cmd_send(engine: Engine, args: argparse.Namespace) -> int:
    text = " ".join(args.text)
    if args.keys or args.enter:
        if text:
            raise UsageError("give either text or --key/--enter, not both")
        item = engine.send(args.id, keys=args.keys, enter=args.enter, force=args.force)
        return _report(engine, args.id, item.id, args.wait, what="the keys")
    item = engine.send(args.id, text, force=args.force)
    return _report(engine, args.id, item.id, args.wait, what="the message")


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
    outcome = engine.merge_task(
        args.id, strategy=args.strategy, message=args.message, override_check=args.override_check
    )
    print(outcome.message)
    return 0


def parse_where(where: str) -> tuple[str, int | None, int | None]:
    """``FILE``, ``FILE:LINE`` or ``FILE:START-END`` → (path, line, end line)."""
    path, sep, lines = where.rpartition(":")
    if not sep or not lines.replace("-", "").isdigit():
        return where, None, None
    start, _, end = lines.partition("-")
    if not start:
        raise UsageError(f"bad comment location '{where}' (use FILE, FILE:LINE or FILE:A-B)")
    return path, int(start), int(end) if end else None


def _comments_from_file(name: str) -> list[tuple[str, str]]:
    text = _read_text(name, "comments file")
    out = []
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        where, sep, comment = line.partition(": ")
        if not sep or not comment.strip():
            raise UsageError(f"{name}:{number}: expected `WHERE: comment`")
        out.append((where.strip(), comment.strip()))
    return out


def cmd_review(engine: Engine, args: argparse.Namespace) -> int:
    if args.since_last:
        sys.stdout.write(engine.diff(args.id, since_review=True))
        return 0
    pairs = [tuple(c) for c in args.comment]
    if args.comments_file:
        pairs += _comments_from_file(args.comments_file)
    for where, text in pairs:
        path, line, end = parse_where(where)
        comment = engine.add_comment(args.id, path, text, line=line, end_line=end)
        print(f"comment {comment.id} on {comment.where}")
    for number in args.remove:
        engine.remove_comment(args.id, number)
    if args.send:
        review = engine.send_review(args.id, summary=args.summary)
        print(f"review round {review.number} sent to {args.id}: {review.comments} comment(s)")
        return 0
    task = engine.get(args.id)
    stale = engine.stale_comments(args.id) if task.comments else set()
    for c in task.comments:
        mark = " (stale: the code changed)" if c.id in stale else ""
        print(f"{c.id}. {c.where}{mark}: {first_line(c.text, 100)}")
    if not task.comments and not pairs:
        print(f"{task.id} has no pending comments ({len(task.rounds)} round(s) sent)")
    return 0


def cmd_check(engine: Engine, args: argparse.Namespace) -> int:
    result = engine.run_check(args.id)
    print(result.summary)
    if result.output:
        print(result.output)
    if not result.ok and args.send_failure:
        engine.send_check_failure(args.id)
        print(f"sent the failure to {args.id}")
    return 0 if result.ok else 1


def cmd_pr(engine: Engine, args: argparse.Namespace) -> int:
    if args.push_only:
        remote = engine.push(args.id)
        print(f"pushed {engine.get(args.id).branch} to {remote}")
        return 0
    print(engine.open_pr(args.id))
    return 0


def cmd_stats(engine: Engine, args: argparse.Namespace) -> int:
    from squadron.core.stats import duration, summarize

    rows = engine.task_figures(engine.tasks())
    summary = summarize(rows)
    if args.json:
        print(
            json.dumps(
                {"tasks": [vars(r) for r in rows], "summary": vars(summary)},
                indent=1,
                ensure_ascii=False,
            )
        )
        return 0
    print(f"{'ID':<5} {'TO REVIEW-READY':>15} {'REVIEW TIME':>11} {'ROUNDS':>6}  TITLE")
    for r in rows:
        print(
            f"{r.task_id:<5} {duration(r.to_review_ready):>15} {duration(r.review_time):>11} "
            f"{r.rounds:>6}  {first_line(r.title, 50)}"
        )
    print(
        f"\n{summary.tasks} task(s), {summary.merged} merged; time to review-ready "
        f"p50 {duration(summary.to_review_ready_p50)} p95 "
        f"{duration(summary.to_review_ready_p95)}; review time p50 "
        f"{duration(summary.review_time_p50)} p95 {duration(summary.review_time_p95)}; "
        f"rounds per task {summary.rounds_mean or 0:.1f}"
    )
    return 0


def cmd_archive(engine: Engine, args: argparse.Namespace) -> int:
    note = engine.archive(args.id)
    task = engine.get(args.id)
    kept = f"; branch {task.branch} kept" if engine.repo.branch_exists(task.branch) else ""
    print(f"archived {task.id}{kept}" + (f"; {note}" if note else ""))
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


def cmd_supervise(engine: Engine, args: argparse.Namespace) -> int:
    from squadron.engine.supervisor import run_supervisor

    return run_supervisor(engine)


def cmd_supervisor(engine: Engine, args: argparse.Namespace) -> int:
    from squadron.engine import supervision

    store = engine.store
    if args.action == "stop":
        stopped = supervision.stop(engine)
        print("supervisor stopped" if stopped else "no supervisor was running")
        return 0
    if args.action == "start":
        note = engine.supervise()
        print(note or "the supervisor is already running")
        return 0
    info = supervision.running_info(store)
    if info is None:
        print(
            f"no supervisor runs for {engine.repo.toplevel}; squadron commands start it when "
            "needed (`squadron supervisor start`)"
        )
        return 1
    same = info.build == supervision.build_id()
    build = "this build" if same else "another build (replaced at the next command)"
    now = time.time()
    print(
        f"supervisor of {engine.repo.toplevel}: pid {info.pid}, running for "
        f"{_since(now - info.started_at)}, last tick {_since(now - info.heartbeat)} ago, "
        f"{build}; tmux session {info.session or '(none)'}; log {store.supervisor_log}"
    )
    return 0


def cmd_doctor(args: argparse.Namespace) -> int:
    from squadron.engine.doctor import run_doctor

    ok = True
    for check in run_doctor(Path(args.repo) if args.repo else None, fix=args.fix):
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
    "review": cmd_review,
    "check": cmd_check,
    "pr": cmd_pr,
    "stats": cmd_stats,
    "rm": cmd_rm,
    "supervise": cmd_supervise,
    "supervisor": cmd_supervisor,
}


# Arguments that only name a file squadron reads: a file name may hold any bytes (what the
# file holds is checked when it is read).
_FILE_NAMES = frozenset({"prompt_file", "comments_file"})


def _strings(value: object) -> Iterator[str]:
    """Every string in an argparse value (a string, or lists of them)."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _strings(item)


def _argument_names(parser: argparse.ArgumentParser, command: str | None) -> dict[str, str]:
    """dest -> how the user wrote it (``--command``, ``TITLE``), for ``command``'s parser and
    the top-level one."""
    names: dict[str, str] = {}
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            if command in action.choices:
                names.update(_argument_names(action.choices[command], None))
        elif action.option_strings:
            names[action.dest] = max(action.option_strings, key=len)
        else:
            names[action.dest] = str(action.metavar or action.dest.upper())
    return names


def check_text_arguments(parser: argparse.ArgumentParser, args: argparse.Namespace) -> None:
    """UsageError naming the first argument that is not UTF-8 text (undecodable argv bytes
    arrive as lone surrogates). Walks every parsed value, so new options are covered."""
    names = _argument_names(parser, getattr(args, "command", None))
    for dest, value in vars(args).items():
        if dest not in _FILE_NAMES and not all(is_utf8(s) for s in _strings(value)):
            raise UsageError(f"{names.get(dest, dest)} is not valid UTF-8 text")


def run(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    check_text_arguments(parser, args)
    # Started from a git hook, GIT_DIR and friends would send every git call (and every
    # agent) to that other repository: squadron finds its repository itself.
    scrub_repo_environment()
    if args.command == "doctor":
        return cmd_doctor(args)
    if args.command == "demo":
        from squadron.engine.floors import check_floors

        check_floors()
        return cmd_demo(args)
    if args.command == "ls":
        from squadron.engine.book import TaskBook

        book = TaskBook.find(Path(args.repo or os.getcwd()))
        if book is not None:  # found without git: read the records, nothing more
            code = cmd_ls(book, args)
            for problem in book.problems:
                print(f"squadron: warning: {problem}", file=sys.stderr)
            return code
    from squadron.engine.engine import Engine

    engine = Engine.open(Path(args.repo) if args.repo else None)
    if args.command is None:
        if not sys.stdin.isatty() or not sys.stdout.isatty():
            raise UsageError("the TUI needs a terminal; see `squadron --help` for commands")
        return cmd_tui(engine)
    code = COMMANDS[args.command](engine, args)
    for problem in engine.problems:
        print(f"squadron: warning: {problem}", file=sys.stderr)
    return code


def _os_error_text(exc: OSError) -> str:
    """``/path: Read-only file system``; both paths for a rename or link."""
    paths = [
        os.fsdecode(p) if isinstance(p, bytes) else str(p)
        for p in (exc.filename, exc.filename2)
        if p is not None
    ]
    reason = exc.strerror or str(exc)
    return f"{' -> '.join(paths)}: {reason}" if paths else reason


def main(argv: Sequence[str] | None = None) -> int:
    try:
        return run(argv)
    except SquadronError as exc:
        print(f"squadron: error: {one_line(str(exc))}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("squadron: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 1
    except OSError as exc:  # a read-only or full disk, a missing permission: name the path
        if os.environ.get("SQUADRON_DEBUG"):
            raise
        print(f"squadron: error: {one_line(_os_error_text(exc))}", file=sys.stderr)
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
