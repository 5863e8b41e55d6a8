"""Every key of the main screen, with a stable id users remap in config (``[keys] id = "key"``)."""

from __future__ import annotations

from textual.binding import Binding

MAIN_BINDINGS: list[Binding] = [
    Binding("j,down", "cursor_down", "down", show=False, id="cursor-down"),
    Binding("k,up", "cursor_up", "up", show=False, id="cursor-up"),
    Binding("n", "new_task", "new", id="new-task"),
    Binding("t", "take_over", "take over", id="take-over"),
    Binding("u", "send_back", "send back", id="send-back"),
    Binding("m", "message", "message", id="message"),
    Binding("p", "show_tab('tab-pane')", "pane", show=False, id="tab-pane"),
    Binding("d", "show_tab('tab-diff')", "diff", id="tab-diff"),
    Binding("i", "show_tab('tab-info')", "task", show=False, id="tab-info"),
    Binding("r", "review", "review", id="review"),
    Binding("c", "check", "check", id="check"),
    Binding("f", "send_failure", "send failure", show=False, id="send-failure"),
    Binding("M", "merge", "merge", id="merge"),
    Binding("P", "pull_request", "push / PR", show=False, id="pull-request"),
    Binding("S", "stats", "stats", show=False, id="stats"),
    Binding("a", "archive", "archive", show=False, id="archive"),
    Binding("x", "delete", "delete", show=False, id="delete"),
    Binding("slash", "filter", "filter", show=False, id="filter"),
    Binding("s", "toggle_provenance", "status source", show=False, id="provenance"),
    Binding("escape", "close_filter", "clear filter", show=False, id="close-filter"),
    Binding("question_mark", "help", "help", id="help"),
    Binding("q", "app.quit", "quit", id="quit"),
]

# Keys shown in the help screen beside the main screen's own (defined by other widgets).
OTHER_KEYS: list[tuple[str, str]] = [
    ("ctrl+p", "command palette: tasks, actions, themes"),
    ("] / [", "diff: next / previous file"),
    ("} / {", "diff: next / previous hunk"),
    ("v", "diff: mark the current file viewed"),
    ("ctrl+s", "dialogs: submit"),
    ("esc", "dialogs: cancel"),
]


def describe(binding: Binding) -> str:
    return {
        "cursor-down": "next task",
        "cursor-up": "previous task",
        "new-task": "new task (title, prompt, acceptance criteria, agent, base)",
        "take-over": "take over the pane (conductor mode); detach key returns here",
        "send-back": "send back to unattended mode, with an optional note to the agent",
        "message": "message the agent",
        "tab-pane": "live pane preview",
        "tab-diff": "diff viewer",
        "tab-info": "task spec and history",
        "review": "review: checklist, diff scopes, comments, send the review",
        "check": "run the repository's check command in the task's worktree",
        "send-failure": "send the failing check's output to the agent to fix",
        "pull-request": "push the branch and open a pull request (gh)",
        "stats": "delegation figures: time to review-ready, review time, rounds",
        "merge": "merge into the base branch (forecast shown first)",
        "archive": "archive: end session, remove worktree, keep branch",
        "delete": "delete the task (unmerged work kept under a ref)",
        "filter": "filter tasks",
        "provenance": "show where each status comes from (hook, screen, activity, process)",
        "close-filter": "clear the filter",
        "help": "this help",
        "quit": "quit (agents keep running)",
    }.get(binding.id or "", binding.description)
