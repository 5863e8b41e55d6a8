"""The review screen: one task's diff beside its acceptance criteria and pending comments.

The reviewer reads the diff (all changes against the base, or only what changed since the
last review round; unified or side by side), marks files viewed, ticks the acceptance
criteria, writes comments on a line (``c``), a hunk (``h``) or a whole file (``C``), and sends
them to the agent as one review round (``S``), which puts the task back to work.

Every engine call runs in a thread worker; results come back as messages, failures become
one-line notifications (one handler). Keys that cannot run now are disabled (dimmed in the
footer) and say why when pressed. Binding ids (``review.*``, see :data:`REVIEW_BINDINGS`) can
be remapped like the main screen's.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar, Literal

from textual import events, on, work
from textual.actions import parse as parse_action
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.message import Message
from textual.notifications import SeverityLevel
from textual.screen import Screen
from textual.widgets import Button, Footer, Label, OptionList, Static, TextArea
from textual.widgets.option_list import Option
from textual.worker import Worker, WorkerState

from squadron.core.diffparse import FileDiff, FileStatus, Hunk, parse_diff
from squadron.core.errors import SquadronError
from squadron.core.task import Comment, Mode, Task
from squadron.core.text import one_line
from squadron.engine.engine import Engine
from squadron.ui.screens.message import MessageScreen
from squadron.ui.widgets.checklist import Checklist
from squadron.ui.widgets.diff_view import DiffSpot, DiffView
from squadron.ui.widgets.plain import block, line

__all__ = [
    "REVIEW_BINDINGS",
    "REVIEW_KEYS_HELP",
    "CommentList",
    "CommentScreen",
    "CommentTarget",
    "ReviewScreen",
    "TargetKind",
    "comment_target",
]

Scope = Literal["all", "since"]
TargetKind = Literal["line", "hunk", "file"]

COMMENT_KEYS = Binding.Group("comment")

# Send and close first: the footer shows the focused diff's keys, then these, and a narrow
# terminal cuts the end of the line.
REVIEW_BINDINGS: list[BindingType] = [
    Binding(
        "S",
        "send",
        "send review",
        id="review.send",
        tooltip="Send the pending comments to the agent as one review round",
    ),
    Binding("escape,q", "close", "close", id="review.close", tooltip="Back to the task list"),
    Binding(
        "c",
        "comment('line')",
        "comment",
        id="review.comment",
        tooltip="c: comment on the line under the cursor",
        group=COMMENT_KEYS,
    ),
    Binding(
        "h",
        "comment('hunk')",
        "hunk comment",
        id="review.comment_hunk",
        tooltip="h: comment on the hunk under the cursor",
        group=COMMENT_KEYS,
    ),
    Binding(
        "C",
        "comment('file')",
        "file comment",
        id="review.comment_file",
        tooltip="C: comment on the whole current file",
        group=COMMENT_KEYS,
    ),
    Binding(
        "e",
        "edit_comment",
        "edit",
        id="review.edit_comment",
        tooltip="Edit the selected pending comment",
    ),
    Binding(
        "x,delete",
        "remove_comment",
        "remove",
        id="review.remove_comment",
        tooltip="Remove the selected pending comment",
    ),
    Binding(
        "s",
        "toggle_scope",
        "scope",
        id="review.scope",
        tooltip="All changes against the base / only those since the last review round",
    ),
    Binding("w", "toggle_layout", "split", id="review.layout", tooltip="Unified / side by side"),
    Binding(
        "r",
        "reload",
        "reload",
        id="review.reload",
        tooltip="Reload the diff, the comments and their stale marks",
        show=False,
    ),
]
"""The review screen's keys; the diff's own (``diff.*``) are in :mod:`..widgets.diff_view`."""

REVIEW_KEYS_HELP: dict[str, str] = {
    "review.comment": "comment on the cursor line (a removed line: the nearest new line)",
    "review.comment_hunk": "comment on the hunk under the cursor (its new-side line range)",
    "review.comment_file": "comment on the whole current file",
    "review.edit_comment": "edit the selected pending comment",
    "review.remove_comment": "remove the selected pending comment",
    "review.scope": "diff scope: all changes against the base / since the last review round",
    "review.layout": "unified / side-by-side diff",
    "review.reload": "reload the diff, the comments and their stale marks",
    "review.send": "send the pending comments to the agent as one review round",
    "review.close": "close the review (pending comments are kept)",
}
"""One line per binding id, for a help screen."""

CHECK_WORDS = {
    "none": "no check configured",
    "missing": "check not run",
    "stale": "check ran on older code",
    "pass": "check passed",
    "fail": "check failed",
}
COMMENT_ACTIONS = frozenset({"comment", "edit_comment", "remove_comment", "send"})
STALE_REFRESH_SECONDS = 5.0


# -- what a comment is about ----------------------------------------------------------------------
@dataclass(frozen=True)
class CommentTarget:
    """Where a new comment goes: a file, one new-side line, or a range of them."""

    path: str
    line: int | None = None
    end_line: int | None = None
    quote: str = ""  # the diff text shown in the comment dialog

    @property
    def where(self) -> str:
        if self.line is None:
            return self.path
        if self.end_line is not None and self.end_line != self.line:
            return f"{self.path}:{self.line}-{self.end_line}"
        return f"{self.path}:{self.line}"


def _hunk_target(path: str, hunk: Hunk) -> CommentTarget:
    if hunk.new_len == 0:  # only removals: they sit after new-side line ``new_start``
        if hunk.new_start < 1:
            return CommentTarget(path)
        return CommentTarget(path, hunk.new_start, quote=hunk.header)
    end = hunk.new_start + hunk.new_len - 1
    return CommentTarget(path, hunk.new_start, end if end != hunk.new_start else None, hunk.header)


def comment_target(spot: DiffSpot, kind: TargetKind) -> CommentTarget | None:
    """What ``c`` (``line``), ``h`` (``hunk``) or ``C`` (``file``) comments on at ``spot``.

    A line comment on a removed line goes to the nearest new-side line (the next one in the
    hunk, else the previous one, else the line the removals follow, else the file); on a hunk
    header it covers the hunk, on a file header the file. A hunk comment on a file header
    takes the file's first hunk; ``None`` when the file has no hunks.
    """
    path = spot.file.path
    if kind == "file":
        return CommentTarget(path)
    if kind == "hunk":
        hunk = spot.hunk or (spot.file.hunks[0] if spot.file.hunks else None)
        return None if hunk is None else _hunk_target(path, hunk)
    if spot.hunk is None:
        return CommentTarget(path)
    if spot.line is None:
        return _hunk_target(path, spot.hunk)
    lines = spot.hunk.lines
    if spot.line.new_no is not None:
        return CommentTarget(path, spot.line.new_no, quote=spot.line.text)
    after = (line for line in lines[spot.line_index + 1 :] if line.new_no is not None)
    before = (line for line in reversed(lines[: spot.line_index]) if line.new_no is not None)
    near = next(after, None) or next(before, None)
    if near is None or near.new_no is None:  # a hunk of removals only
        return _hunk_target(path, spot.hunk)
    return CommentTarget(path, near.new_no, quote=near.text)


# -- messages from the workers --------------------------------------------------------------------
@dataclass
class ReviewData:
    task: Task
    files: list[FileDiff]  # what the scope shows
    full: list[FileDiff]  # everything against the base: viewed marks and +/- use these
    viewed: set[str]
    stale: set[int]
    check: str
    scope: Scope


class ReviewLoaded(Message):
    def __init__(
        self, generation: int, data: ReviewData | None, error: str = "", keep: bool = False
    ) -> None:
        super().__init__()
        self.generation, self.data, self.error, self.keep = generation, data, error, keep


class CommentsLoaded(Message):
    """The pending comments and which of them are stale; ``note`` is notified."""

    def __init__(
        self, task: Task, stale: set[int], select: int | None = None, note: str = ""
    ) -> None:
        super().__init__()
        self.task, self.stale, self.select, self.note = task, stale, select, note

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, CommentsLoaded) and not message.note and not self.note


class ReviewSent(Message):
    def __init__(self, number: int, comments: int) -> None:
        super().__init__()
        self.number, self.comments = number, comments


# -- widgets ----------------------------------------------------------------------------------
class CommentList(OptionList):
    """Pending comments: where, a ``stale`` mark when the code changed since, the first line."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {"comment-list--where", "comment-list--stale"}

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        self.comments: list[Comment] = []
        self.stale: set[int] = set()
        super().__init__(id=id, classes=classes, compact=True)

    @property
    def selected(self) -> Comment | None:
        index = self.highlighted
        if index is None or not 0 <= index < len(self.comments):
            return None
        return self.comments[index]

    def show(self, comments: list[Comment], stale: set[int], select: int | None = None) -> None:
        """Show ``comments``; keep the highlight on ``select`` (a comment id), else on the
        comment highlighted before, else near where it was."""
        current = self.selected
        keep = select if select is not None else (current.id if current else None)
        before = self.highlighted
        if comments == self.comments and stale == self.stale and select is None:
            return  # a periodic refresh that found nothing new: leave the list alone
        self.comments, self.stale = list(comments), set(stale)
        self._rebuild()
        if not self.comments:
            return
        ids = [c.id for c in self.comments]
        if keep in ids:
            self.highlighted = ids.index(keep)
        else:
            self.highlighted = min(before or 0, len(ids) - 1)

    def prompt_for(self, comment: Comment) -> Content:
        """Two lines: where (and ``stale``), then the comment's first line."""
        where = Content.styled(
            one_line(comment.where), self.get_visual_style("comment-list--where")
        )
        if comment.id in self.stale:
            stale = self.get_visual_style("comment-list--stale")
            where = Content.assemble(where, "  ", Content.styled(" stale ", stale))
        return Content.assemble(where, "\n", line(comment.text, 200) or "(empty)")

    def _rebuild(self) -> None:
        highlighted = self.highlighted
        self.set_options(Option(self.prompt_for(c), id=str(c.id)) for c in self.comments)
        if highlighted is not None and self.comments:
            self.highlighted = min(highlighted, len(self.comments) - 1)

    def notify_style_update(self) -> None:
        super().notify_style_update()
        if self.comments:
            self._rebuild()  # the marks take their colours from the theme


class CommentScreen(MessageScreen):
    """The comment dialog: the code it is about, then the text (``ctrl+s`` saves)."""

    # The dialog look, plus the quote's style (MessageScreen types CSS_PATH as one str).
    CSS_PATH = ["modal.tcss", "review.tcss"]  # type: ignore[assignment]

    def __init__(self, title: str, quote: str = "", text: str = "", save: str = "Comment") -> None:
        super().__init__(title, "sent to the agent with the next review (S)", send_label=save)
        self.quote, self.initial = quote, text

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog comment-dialog"):
            yield Label(one_line(self.title_text), classes="title", markup=False)
            if self.quote:
                yield Static(block(self.quote), classes="quote", markup=False)
            yield TextArea(self.initial, id="text", soft_wrap=True)
            yield Label(
                one_line(self.hint) + "  ·  ctrl+s saves, esc cancels", classes="hint", markup=False
            )
            with Horizontal(classes="buttons"):
                yield Button("Cancel", id="cancel")
                yield Button(self.send_label, id="send", variant="primary")

    def on_mount(self) -> None:
        area = self.query_one("#text", TextArea)
        area.focus()
        area.move_cursor(area.document.end)


# -- the screen -------------------------------------------------------------------------------
class ReviewScreen(Screen[None]):
    """Review one task: criteria and pending comments on the left, the diff on the right."""

    CSS_PATH = "review.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [*REVIEW_BINDINGS]

    def __init__(self, engine: Engine, task_id: str) -> None:
        super().__init__()
        self.engine = engine
        self.task_id = task_id
        self.task_data: Task | None = None
        self.scope: Scope = "all"
        self.full: dict[str, FileDiff] = {}
        self.comments: list[Comment] = []
        self.stale: set[int] = set()
        self.diff_loading = True  # not ``loading``: Widget.loading covers the screen
        self.load_error = ""
        self.sending = False
        self._generation = 0

    # -- layout ------------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        with Horizontal(id="review-header"):
            # Task data (title, branch) and figures: never read as markup.
            yield Label(one_line(self.task_id), id="review-task", markup=False)
            yield Label("", id="review-branch", markup=False)
            yield Label("", id="review-added", markup=False)
            yield Label("", id="review-removed", markup=False)
            yield Label("", id="review-round", markup=False)
            yield Label("", id="review-check", markup=False)
            yield Label("", id="review-scope", markup=False)
            yield Label("", id="review-layout", markup=False)
        with Horizontal(id="review-body"):
            with Vertical(id="review-side"):
                yield Label("Acceptance criteria", id="criteria-title", classes="section")
                yield Label("Pending comments", id="comments-title", classes="section")
                yield CommentList(id="comments")
            yield DiffView(id="review-diff", line_cursor=True)
        yield Footer(compact=True)

    @property
    def diff_view(self) -> DiffView:
        return self.query_one("#review-diff", DiffView)

    @property
    def comment_list(self) -> CommentList:
        return self.query_one("#comments", CommentList)

    def on_mount(self) -> None:
        self.diff_view.focus_diff()
        self.load()
        self.set_interval(STALE_REFRESH_SECONDS, self._refresh_if_idle)

    def on_screen_resume(self) -> None:
        """Back on this screen (after a dialog, or from the main screen): stale marks may have
        changed meanwhile."""
        if self.task_data is not None:
            self.refresh_comments()

    def _refresh_if_idle(self) -> None:
        if self.is_current and not self.diff_loading and self.comments:
            self.refresh_comments()

    # -- loading -----------------------------------------------------------------------------
    def load(self, keep_position: bool = False) -> None:
        self._generation += 1
        self.diff_loading = True
        what = "since the last review" if self.scope == "since" else "against the base"
        if not keep_position:
            self.diff_view.show_loading(f"loading {self.task_id}'s changes {what}…")
        self._load(self._generation, self.scope, keep_position)
        self.refresh_bindings()

    @work(thread=True, exit_on_error=False, group="review-load", exclusive=True)
    def _load(self, generation: int, scope: Scope, keep: bool) -> None:
        engine, tid = self.engine, self.task_id
        try:
            task = engine.get(tid)
            snap = engine.review_snapshot(tid)  # one look at the worktree for all three
            full = parse_diff(snap.full)
            check = engine.check_state(task, snap.revision)
            if scope == "since" and snap.since is not None:
                files = parse_diff(snap.since)
            else:
                files, scope = full, "all"
            viewed = engine.viewed_files(tid, full)
            stale = engine.stale_comments(tid)
        except SquadronError as exc:
            self.post_message(ReviewLoaded(generation, None, str(exc)))
            return
        data = ReviewData(task, files, full, viewed, stale, check, scope)
        self.post_message(ReviewLoaded(generation, data, keep=keep))

    async def on_review_loaded(self, message: ReviewLoaded) -> None:
        if message.generation != self._generation:
            return  # a newer load is on its way: the latest wins
        view = self.diff_view
        data = message.data
        self.load_error = message.error
        if data is None:
            self.diff_loading = False
            view.show_message(message.error)
            self.say(message.error, "error")
            self.refresh_bindings()
            return
        if self.task_data is None:
            await self._show_criteria(data.task)
        self.task_data, self.scope = data.task, data.scope
        self.full = {f.path: f for f in data.full}
        self._show_header(data)
        view.show(data.files, data.viewed, keep_position=message.keep)
        if not data.files:
            view.show_message(
                f"no changes since review round {len(data.task.rounds)}"
                if data.scope == "since"
                else "no changes yet"
            )
        self._show_comments(data.task, data.stale)
        self.diff_loading = False
        self.refresh_bindings()

    async def _show_criteria(self, task: Task) -> None:
        side = self.query_one("#review-side", Vertical)
        checklist = Checklist(task.spec.acceptance, task.criteria_ticked, id="checklist")
        if not checklist.criteria:
            none = Label("none given for this task", id="no-criteria", classes="muted")
            await side.mount(none, before="#comments-title")
        else:
            await side.mount(checklist, before="#comments-title")
        self._show_criteria_title()

    def _show_criteria_title(self) -> None:
        found = self.query("#checklist")
        summary = f" {found.first(Checklist).summary}" if found else ""
        self.query_one("#criteria-title", Label).update(f"Acceptance criteria{summary}")

    @on(Checklist.SelectedChanged)
    def _criteria_ticked(self) -> None:
        self._show_criteria_title()
        found = self.query("#checklist")
        if found:
            self._save_criteria(found.first(Checklist).ticked)

    @work(thread=True, exit_on_error=False, group="criteria", exclusive=True)
    def _save_criteria(self, ticked: list[int]) -> None:
        self.engine.set_criteria(self.task_id, ticked)

    def _show_header(self, data: ReviewData) -> None:
        task = data.task
        self.query_one("#review-task", Label).update(
            f"{one_line(task.id)} · {line(task.title, 60)}"
        )
        self.query_one("#review-branch", Label).update(one_line(task.branch))
        self.query_one("#review-added", Label).update(f"+{sum(f.added for f in data.full)}")
        self.query_one("#review-removed", Label).update(f"-{sum(f.removed for f in data.full)}")
        rounds = len(task.rounds)
        self.query_one("#review-round", Label).update(
            f"review round {rounds} sent" if rounds else "no review sent yet"
        )
        check = self.query_one("#review-check", Label)
        check.update(CHECK_WORDS.get(data.check, f"check: {one_line(data.check)}"))
        check.set_classes(f"check-{data.check}")
        self._show_modes()

    def _show_modes(self) -> None:
        rounds = len(self.task_data.rounds) if self.task_data else 0
        scope = f"since round {rounds}" if self.scope == "since" else "all changes"
        self.query_one("#review-scope", Label).update(f"scope: {scope}")
        layout = "side by side" if self.diff_view.side_by_side else "unified"
        self.query_one("#review-layout", Label).update(f"view: {layout}")

    # -- comments ----------------------------------------------------------------------------
    def refresh_comments(self, select: int | None = None, note: str = "") -> None:
        self._refresh_comments(select, note)

    @work(thread=True, exit_on_error=False, group="review-comments")
    def _refresh_comments(self, select: int | None = None, note: str = "") -> None:
        self._post_comments(select, note)

    def _post_comments(self, select: int | None, note: str) -> None:
        """(In a worker) read the pending comments and their stale marks, post them."""
        task = self.engine.get(self.task_id)
        stale = self.engine.stale_comments(self.task_id)
        self.post_message(CommentsLoaded(task, stale, select, note))

    def on_comments_loaded(self, message: CommentsLoaded) -> None:
        if self.task_data is not None:
            self.task_data = message.task
        self._show_comments(message.task, message.stale, message.select)
        if message.note:
            self.say(message.note)
        self.refresh_bindings()

    def _show_comments(self, task: Task, stale: set[int], select: int | None = None) -> None:
        self.comments, self.stale = list(task.comments), stale & {c.id for c in task.comments}
        self.comment_list.show(self.comments, self.stale, select)
        title = f"Pending comments ({len(self.comments)})"
        if self.stale:
            title += f" · {len(self.stale)} stale"
        self.query_one("#comments-title", Label).update(title)
        marks: dict[str, list[int | None]] = {}
        for comment in self.comments:
            marks.setdefault(comment.path, []).append(comment.line)
        self.diff_view.set_comment_marks(marks)

    @on(OptionList.OptionSelected, "#comments")
    def _jump_to_comment(self, event: OptionList.OptionSelected) -> None:
        """``enter`` on a pending comment shows its place in the diff."""
        comment = self.comment_list.selected
        if comment is None:
            return
        if self.diff_view.jump_to_line(comment.path, comment.line):
            self.diff_view.focus_diff()
        else:
            self.say(f"{comment.path} is not in this diff", "warning")

    def action_comment(self, kind: TargetKind) -> None:
        spot = self.diff_view.cursor_spot()
        target = None if spot is None else comment_target(spot, kind)
        if target is None:
            return
        quote = "\n".join(f"> {line}" for line in target.quote.splitlines()[:3])
        screen = CommentScreen(f"Comment on {target.where}", quote)
        self.app.push_screen(screen, lambda text: self._comment_written(target, text))

    def _comment_written(self, target: CommentTarget, text: str | None) -> None:
        if text and text.strip():
            self._add_comment(target, text.strip())

    @work(thread=True, exit_on_error=False, group="review-comments")
    def _add_comment(self, target: CommentTarget, text: str) -> None:
        comment = self.engine.add_comment(
            self.task_id, target.path, text, line=target.line, end_line=target.end_line
        )
        self._post_comments(comment.id, f"comment added on {comment.where}")

    def action_edit_comment(self) -> None:
        comment = self.comment_list.selected
        if comment is None:
            return
        screen = CommentScreen(
            f"Edit the comment on {comment.where}",
            "\n".join(f"> {line}" for line in comment.quote.splitlines()[:3]),
            comment.text,
            save="Save",
        )
        self.app.push_screen(screen, lambda text: self._comment_edited(comment.id, text))

    def _comment_edited(self, comment_id: int, text: str | None) -> None:
        if text and text.strip():
            self._edit_comment(comment_id, text.strip())

    @work(thread=True, exit_on_error=False, group="review-comments")
    def _edit_comment(self, comment_id: int, text: str) -> None:
        self.engine.edit_comment(self.task_id, comment_id, text)
        self._post_comments(comment_id, "comment saved")

    def action_remove_comment(self) -> None:
        comment = self.comment_list.selected
        if comment is not None:
            self._remove_comment(comment.id, comment.where)

    @work(thread=True, exit_on_error=False, group="review-comments")
    def _remove_comment(self, comment_id: int, where: str) -> None:
        self.engine.remove_comment(self.task_id, comment_id)
        self._post_comments(None, f"comment on {where} removed")

    # -- viewed marks ------------------------------------------------------------------------
    def on_diff_view_viewed_changed(self, message: DiffView.ViewedChanged) -> None:
        # The mark's fingerprint is of the change against the base, whatever the scope shows.
        self._mark_viewed(message.path, message.viewed, self.full.get(message.path))

    @work(thread=True, exit_on_error=False, group="review-viewed")
    def _mark_viewed(self, path: str, viewed: bool, file: FileDiff | None) -> None:
        self.engine.mark_viewed(self.task_id, path, viewed, file)

    def on_diff_view_current_file_changed(self, message: DiffView.CurrentFileChanged) -> None:
        self.refresh_bindings()  # commenting depends on the file (a deleted one cannot)

    # -- scope, layout, send, close --------------------------------------------------------
    def action_toggle_scope(self) -> None:
        self.scope = "all" if self.scope == "since" else "since"
        self._show_modes()
        self.load()

    def action_toggle_layout(self) -> None:
        view = self.diff_view
        view.set_side_by_side(not view.side_by_side)
        self._show_modes()

    def action_reload(self) -> None:
        self.load(keep_position=True)

    def action_send(self) -> None:
        self.sending = True
        count = len(self.comments)
        self.say(f"sending {count} comment{'s' if count != 1 else ''} to {self.task_id}…")
        self._send()
        self.refresh_bindings()

    @work(thread=True, exit_on_error=False, group="review-send")
    def _send(self) -> None:
        review = self.engine.send_review(self.task_id)
        self.post_message(ReviewSent(review.number, review.comments))

    def on_review_sent(self, message: ReviewSent) -> None:
        self.sending = False
        plural = "s" if message.comments != 1 else ""
        self.say(
            f"round {message.number} sent: {message.comments} comment{plural}; "
            f"{self.task_id} is back to work"
        )
        if self.is_current:
            self.dismiss(None)

    def action_close(self) -> None:
        self.dismiss(None)

    # -- availability ------------------------------------------------------------------------
    def say(self, text: str, severity: SeverityLevel = "information") -> None:
        """A one-line notification; paths and errors are shown as written, never as markup
        (control characters as symbols)."""
        timeout = {"information": 4, "warning": 3, "error": 6}[severity]
        self.notify(one_line(text), severity=severity, timeout=timeout, markup=False)

    def why_not(self, action: str, parameters: tuple[object, ...] = ()) -> str | None:
        """Why ``action`` (with ``parameters``) cannot run now, or ``None`` when it can."""
        task = self.task_data
        if action in COMMENT_ACTIONS | {"toggle_scope"} and task is None:
            return self.load_error or "the review is still loading"
        if action == "comment":
            spot = self.diff_view.cursor_spot()
            if spot is None:
                return "nothing to comment on: no changes shown"
            if spot.file.status == FileStatus.DELETED:
                return f"{spot.file.path} was deleted: there is no file left to comment on"
            if parameters == ("hunk",) and not spot.file.hunks:
                return f"{spot.file.path} has no hunks: C comments on the whole file"
        if action in ("edit_comment", "remove_comment") and self.comment_list.selected is None:
            return "no pending comment selected"
        if action == "send":
            if self.sending:
                return "the review is being sent"
            if not self.comments:
                return "no pending comments to send: c comments a line, h a hunk, C a file"
            if task is not None and task.mode == Mode.CONDUCTOR:
                return f"{task.id} is in conductor mode: send it back (u) before the review"
        if action == "toggle_scope" and self.scope == "all" and task and not task.rounds:
            return "no review round yet: showing all changes"
        return None

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        return None if self.why_not(action, parameters) else True

    def on_key(self, event: events.Key) -> None:
        """A key whose action is disabled says why instead of doing nothing."""
        active = self.active_bindings.get(event.key)  # keymap applied, focus chain first
        if active is None or active.node is not self or active.enabled:
            return
        _, action, parameters = parse_action(active.binding.action)
        reason = self.why_not(action, parameters)
        if reason:
            event.stop()
            event.prevent_default()
            self.say(reason, "warning")

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """One place where every failed worker becomes a one-line notification."""
        worker = event.worker
        if worker.group == "review-send" and event.state in (
            WorkerState.ERROR,
            WorkerState.CANCELLED,
        ):
            self.sending = False
            self.refresh_bindings()
        if event.state != WorkerState.ERROR:
            return
        if worker.group == "review-load":
            self.diff_loading = False
            self.refresh_bindings()
        error = worker.error
        text = (
            str(error) if isinstance(error, SquadronError) else f"{type(error).__name__}: {error}"
        )
        self.say(text.splitlines()[0] if text else "failed", "error")
