"""The main screen: task sidebar, and the selected task's pane, diff and spec in tabs.

Every engine call runs in a thread worker; results come back as messages. Actions that cannot
run now are disabled (dimmed in the footer) and say why when their key is pressed.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from textual import events, on, work
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Horizontal
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import Footer, Label, TabbedContent, TabPane
from textual.worker import Worker, WorkerState

from squadron.core.diffparse import parse_diff
from squadron.core.errors import SquadronError
from squadron.core.status import Status
from squadron.core.task import Mode, Stage, Task
from squadron.ui.alerts import Notifier
from squadron.ui.keys import MAIN_BINDINGS
from squadron.ui.messages import (
    ActionDone,
    AlertsArrived,
    DiffLoaded,
    PreviewUpdated,
    TasksUpdated,
)
from squadron.ui.screens.confirm import ConfirmScreen
from squadron.ui.screens.help import HelpScreen
from squadron.ui.screens.merge import MergeRequest, MergeScreen
from squadron.ui.screens.message import MessageScreen
from squadron.ui.screens.new_task import NewTaskRequest, NewTaskScreen
from squadron.ui.widgets.diff_view import DiffView
from squadron.ui.widgets.pane_view import PaneView
from squadron.ui.widgets.sidebar import Sidebar
from squadron.ui.widgets.task_info import TaskInfo

if TYPE_CHECKING:
    from squadron.ui.app import SquadronApp

NEEDS_TASK = frozenset(
    {
        "take_over",
        "send_back",
        "message",
        "review",
        "check",
        "send_failure",
        "merge",
        "pull_request",
        "archive",
        "delete",
    }
)


class MainScreen(Screen[None]):
    CSS_PATH = "main.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [*MAIN_BINDINGS]

    def __init__(self) -> None:
        super().__init__()
        self.tasks: dict[str, Task] = {}
        self.selected_id: str | None = None
        self.notifier: Notifier | None = None
        self._bindings_state: tuple[bool, ...] = ()
        self._diff_cache: dict[str, DiffLoaded] = {}
        self._prefetch: Timer | None = None

    @property
    def sq(self) -> SquadronApp:
        return self.app  # type: ignore[return-value]

    # -- layout ------------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        yield Label(self.sq.banner, id="banner", markup=False)
        with Horizontal(id="body"):
            yield Sidebar()
            with TabbedContent(id="tabs", initial="tab-pane"):
                with TabPane("Pane", id="tab-pane"):
                    yield PaneView()
                with TabPane("Diff", id="tab-diff"):
                    yield DiffView()
                with TabPane("Task", id="tab-info"):
                    yield TaskInfo()
        yield Footer()

    def on_mount(self) -> None:
        self.notifier = Notifier(self.app, self.sq.engine.settings.notifications)
        self.query_one("#filter").display = False
        self.query_one(Sidebar).list_view.focus()
        self.query_one(PaneView).show_message("no task selected")
        self.set_interval(5, self.query_one(Sidebar).tick_ages)
        self.load_tasks()

    @property
    def selected(self) -> Task | None:
        return self.tasks.get(self.selected_id or "")

    # -- data from workers and the monitor --------------------------------------------------
    @work(thread=True, exit_on_error=False, group="load", exclusive=True)
    def load_tasks(self) -> None:
        """Read the tasks as recorded and show them at once (the feed follows changes)."""
        tasks = self.sq.engine.tasks(include_archived=False)
        self.post_message(TasksUpdated(tasks, ()))

    @work(thread=True, exit_on_error=False, group="supervisor")
    def ensure_supervisor(self) -> None:
        """The supervisor keeps statuses, types prompts, approves and alerts: make sure it
        runs (and runs this build of squadron)."""
        note = self.sq.engine.supervise()
        if note:
            self.post_message(ActionDone(note, reload=False))

    async def on_tasks_updated(self, message: TasksUpdated) -> None:
        if message.tasks is None:
            return
        tasks = [t for t in message.tasks if t.stage != Stage.ARCHIVED]
        old = self.tasks
        self.tasks = {t.id: t for t in tasks}
        await self.query_one(Sidebar).set_tasks(tasks)
        for tid in message.vanished:
            self.notify(
                f"{tid} is gone: its state file disappeared (deleted, or moved aside as "
                "unreadable); its worktree and branch are untouched",
                severity="warning",
                timeout=10,
            )
        if self.selected_id in message.changed or self.selected_id not in old:
            self.show_selected(reload_diff=False)
        self.update_bindings()

    def on_alerts_arrived(self, message: AlertsArrived) -> None:
        if self.notifier is not None:
            for record in message.records:
                self.notifier.show(record)

    def on_preview_updated(self, message: PreviewUpdated) -> None:
        if message.task_id == self.selected_id:
            self.query_one(PaneView).show(message.task_id, message.screen)

    def on_sidebar_selected(self, message: Sidebar.Selected) -> None:
        if message.task_id == self.selected_id:
            return
        self.selected_id = message.task_id
        self.sq.focus_task(message.task_id)
        self.show_selected(reload_diff=True)
        self.update_bindings()
        if self._prefetch is not None:
            self._prefetch.stop()
        self._prefetch = self.set_timer(0.4, self._prefetch_diff)

    def show_selected(self, reload_diff: bool) -> None:
        task = self.selected
        if self.query_one(TabbedContent).active == "tab-info":  # rendered when shown
            self.query_one(TaskInfo).show(task)
        pane = self.query_one(PaneView)
        if task is None:
            pane.show_message("no task selected" if not self.tasks else "")
            self.query_one(DiffView).show_message("no task selected")
            return
        if pane.task_id != task.id:
            pane.show(task.id, task.last_screen or "")
        if reload_diff and self.query_one(TabbedContent).active == "tab-diff":
            self.load_diff(task.id)

    # -- diff --------------------------------------------------------------------------------
    # The diff of the selected task is prefetched shortly after the selection settles, so
    # opening the Diff tab shows it at once; it is then refreshed in the background.
    @on(TabbedContent.TabActivated)
    def tab_activated(self, event: TabbedContent.TabActivated) -> None:
        if event.pane.id == "tab-info":
            self.query_one(TaskInfo).show(self.selected)
        if event.pane.id == "tab-diff":
            self.query_one(DiffView).focus_diff()
            if self.selected_id:
                self.load_diff(self.selected_id)

    def load_diff(self, tid: str) -> None:
        cached = self._diff_cache.get(tid)
        if cached is not None:
            self._show_diff(tid, cached)
        else:
            self.query_one(DiffView).show_loading(f"loading the diff of {tid}…")
        self._diff_worker(tid)

    def _prefetch_diff(self) -> None:
        tid = self.selected_id
        if tid and tid in self.tasks and tid not in self._diff_cache:
            self._diff_worker(tid)

    @work(thread=True, exit_on_error=False, group="diff", exclusive=True)
    def _diff_worker(self, tid: str) -> None:
        try:
            text = self.sq.engine.diff(tid)
            files = parse_diff(text)
            viewed = self.sq.engine.viewed_files(tid, files)
            self.post_message(DiffLoaded(tid, text, files=files, viewed=viewed))
        except SquadronError as exc:
            self.post_message(DiffLoaded(tid, "", str(exc)))

    def on_diff_loaded(self, message: DiffLoaded) -> None:
        previous = self._diff_cache.get(message.task_id)
        self._diff_cache[message.task_id] = message
        while len(self._diff_cache) > 8:  # keep the few most recent
            del self._diff_cache[next(iter(self._diff_cache))]
        if message.task_id != self.selected_id:
            return  # the user moved on: the latest selection wins
        if self.query_one(TabbedContent).active != "tab-diff":
            return
        shown = self.query_one(DiffView)
        if previous is not None and previous.text == message.text and shown.files:
            return  # already on screen, unchanged
        self._show_diff(message.task_id, message, refresh=previous is not None)

    def _show_diff(self, tid: str, loaded: DiffLoaded, refresh: bool = False) -> None:
        view = self.query_one(DiffView)
        if loaded.error:
            view.show_message(loaded.error)
        elif not loaded.files:
            view.show_message("no changes yet")
        else:
            view.show(loaded.files, viewed=loaded.viewed, keep_position=refresh)

    def on_diff_view_viewed_changed(self, message: DiffView.ViewedChanged) -> None:
        if self.selected_id:
            self._mark_viewed(self.selected_id, message.path, message.viewed)

    @work(thread=True, exit_on_error=False, group="viewed")
    def _mark_viewed(self, tid: str, path: str, viewed: bool) -> None:
        files = {f.path: f for f in self.query_one(DiffView).files}
        self.sq.engine.mark_viewed(tid, path, viewed, files.get(path))

    # -- availability ------------------------------------------------------------------------
    def why_not(self, action: str) -> str | None:
        """Why ``action`` cannot run now, or ``None`` when it can."""
        task = self.selected
        if action in NEEDS_TASK and task is None:
            return "no task selected"
        if task is None:
            return None
        if action == "take_over" and task.status == Status.LOST:
            return f"{task.id}: its tmux session is gone"
        if action == "send_back" and task.mode != Mode.CONDUCTOR:
            return f"{task.id} is already unattended"
        if action == "message":
            if task.mode == Mode.CONDUCTOR:
                return f"{task.id} is in conductor mode: press u to send it back first"
            if task.status in (Status.EXITED, Status.LOST):
                return f"{task.id}: the agent is not running"
        if action == "check" and not self.sq.engine.settings.check:
            return 'no check command: set `check = "…"` in .squadron.toml'
        if action == "merge" and task.stage == Stage.MERGED:
            return f"{task.id} is already merged"
        if action == "check" and task.id in self.query_one(Sidebar).checking:
            return f"the check of {task.id} is already running"
        if action == "send_failure":
            if task.check is None or task.check.ok:
                return f"{task.id} has no failing check to send"
            if task.mode == Mode.CONDUCTOR:
                return f"{task.id} is in conductor mode: press u to send it back first"
        if action == "review" and task.stage == Stage.ARCHIVED:
            return f"{task.id} is archived"
        return None

    def update_bindings(self) -> None:
        """Refresh the footer only when some key's availability changed: rebuilding it costs
        more than everything else a keystroke does."""
        state = tuple(self.why_not(a) is None for a in sorted(NEEDS_TASK))
        if state != self._bindings_state:
            self._bindings_state = state
            self.refresh_bindings()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        return None if self.why_not(action) else True

    def on_key(self, event: events.Key) -> None:
        """A key whose action is disabled says why instead of doing nothing."""
        for binding in self._bindings.key_to_bindings.get(event.key, ()):
            reason = self.why_not(binding.action.split("(")[0])
            if reason:
                event.stop()
                self.notify(reason, severity="warning", timeout=3)
                return

    # -- actions -----------------------------------------------------------------------------
    def select_task(self, tid: str) -> None:
        self.query_one(Sidebar).select(tid)

    async def run_palette_action(self, action: str) -> None:
        await self.run_action(action)

    def action_cursor_down(self) -> None:
        self.query_one(Sidebar).list_view.action_cursor_down()

    def action_cursor_up(self) -> None:
        self.query_one(Sidebar).list_view.action_cursor_up()

    def action_show_tab(self, tab: str) -> None:
        tabs = self.query_one(TabbedContent)
        if tab != "tab-diff" and self.query_one(DiffView).has_focus_within:
            # TabbedContent shows the tab holding the focus: give it back to the task list
            self.query_one(Sidebar).list_view.focus()
        tabs.active = tab

    def action_toggle_provenance(self) -> None:
        self.query_one(Sidebar).toggle_provenance()

    def action_filter(self) -> None:
        self.query_one(Sidebar).open_filter()

    def action_close_filter(self) -> None:
        self.query_one(Sidebar).close_filter()

    def action_help(self) -> None:
        self.app.push_screen(HelpScreen(self.sq.keymap, self.sq.engine.settings.detach_key))

    def action_new_task(self) -> None:
        engine = self.sq.engine
        screen = NewTaskScreen(
            sorted(engine.settings.agents),
            engine.settings.default_agent,
            engine.repo.current_branch() or "main",
        )
        self.app.push_screen(screen, self._create)

    def _create(self, request: NewTaskRequest | None) -> None:
        if request is not None:
            self.create_task(request)

    @work(thread=True, exit_on_error=False, group="actions")
    def create_task(self, r: NewTaskRequest) -> None:
        task = self.sq.engine.new_task(
            r.title, prompt=r.prompt, agent=r.agent, base=r.base or None, acceptance=r.acceptance
        )
        more = "; its prompt is typed once the agent is ready" if task.pending() else ""
        self.post_message(ActionDone(f"created {task.id}: {task.branch}{more}"))
        self.post_message(Sidebar.Selected(task.id))

    def action_take_over(self) -> None:
        if self.selected_id:
            self._take_over(self.selected_id)

    @work(thread=True, exit_on_error=False, group="actions")
    def _take_over(self, tid: str) -> None:
        argv = self.sq.engine.attach_argv(tid)
        self.app.call_from_thread(self.sq.attach, argv, tid)

    def action_send_back(self) -> None:
        task = self.selected
        if task is None:
            return
        screen = MessageScreen(
            f"Send {task.id} back to unattended mode",
            "optional hand-back note, typed into the agent next",
            send_label="Send back",
            optional=True,
        )
        self.app.push_screen(screen, lambda note: self._send_back(task.id, note))

    def _send_back(self, tid: str, note: str | None) -> None:
        if note is not None:
            self.run_engine(
                lambda: self.sq.engine.set_mode(tid, Mode.UNATTENDED, note=note),
                f"{tid} is unattended again",
            )

    def action_message(self) -> None:
        task = self.selected
        if task is None:
            return
        screen = MessageScreen(
            f"Message {task.id} ({task.agent})", "typed into the agent literally, then Enter"
        )
        self.app.push_screen(screen, lambda text: self._message(task.id, text))

    def _message(self, tid: str, text: str | None) -> None:
        if text:
            self._send_worker(tid, text)

    @work(thread=True, exit_on_error=False, group="actions")
    def _send_worker(self, tid: str, text: str) -> None:
        """Queue the message; say whether it went in, or what it waits for."""
        engine = self.sq.engine
        item = engine.send(tid, text)
        self.post_message(ActionDone("", reload=False))
        done = engine.wait_sent(tid, item.id, timeout=5.0)
        if done is not None and done.state == "sent":
            self.post_message(ActionDone(f"sent to {tid}", reload=False))
        elif done is not None and done.state == "failed":
            self.post_message(ActionDone(f"{tid}: not sent: {done.note}", reload=False))
        else:
            why = f" ({done.note})" if done is not None and done.note else ""
            self.post_message(ActionDone(f"{tid}: queued{why}", reload=False))

    def action_check(self) -> None:
        if self.selected_id:
            self.start_check(self.selected_id)

    def start_check(self, tid: str) -> None:
        sidebar = self.query_one(Sidebar)
        sidebar.checking.add(tid)
        self.post_message(TasksUpdated(list(self.tasks.values()), ()))
        self._check_worker(tid)

    @work(thread=True, exit_on_error=False, group="checks")
    def _check_worker(self, tid: str) -> None:
        try:
            result = self.sq.engine.run_check(tid)
            more = "" if result.ok else " — press f to send the failure to the agent"
            self.post_message(ActionDone(f"{tid}: {result.summary}{more}"))
        finally:
            self.query_one(Sidebar).checking.discard(tid)
            self.post_message(ActionDone("", reload=True))

    def action_send_failure(self) -> None:
        if self.selected_id:
            tid = self.selected_id
            self.run_engine(
                lambda: self.sq.engine.send_check_failure(tid), f"sent the check failure to {tid}"
            )

    def action_pull_request(self) -> None:
        if self.selected_id:
            tid = self.selected_id
            self.notify(f"pushing {tid}…", timeout=2)
            self.run_engine(lambda: f"pull request: {self.sq.engine.open_pr(tid)}", None)

    def action_stats(self) -> None:
        self._stats_worker()

    @work(thread=True, exit_on_error=False, group="stats-view")
    def _stats_worker(self) -> None:
        from squadron.core.stats import summarize
        from squadron.ui.screens.stats import StatsScreen

        rows = self.sq.engine.task_figures(self.sq.engine.tasks())
        screen = StatsScreen(rows, summarize(rows))
        self.app.call_from_thread(self.app.push_screen, screen)

    def action_review(self) -> None:
        if self.selected_id:
            from squadron.ui.screens.review import ReviewScreen

            self.app.push_screen(ReviewScreen(self.sq.engine, self.selected_id), self._after_review)

    def _after_review(self, _: object) -> None:
        self.load_tasks()

    def action_merge(self) -> None:
        task = self.selected
        if task is not None:
            self.app.push_screen(
                MergeScreen(self.sq.engine, task), lambda r: self._merge(task.id, r)
            )

    def _merge(self, tid: str, request: MergeRequest | None) -> None:
        if request is not None:
            self._merge_worker(tid, request)

    @work(thread=True, exit_on_error=False, group="actions")
    def _merge_worker(self, tid: str, r: MergeRequest) -> None:
        commit = self.sq.engine.merge(
            tid, strategy=r.strategy, message=r.message or None, override_check=r.override_check
        )
        self.post_message(ActionDone(f"merged {tid} as {commit[:10]}"))
        self.app.call_from_thread(self._offer_archive, tid)

    def _offer_archive(self, tid: str) -> None:
        body = f"{tid} is merged. Archive it now: end its session and remove its worktree?"
        self.app.push_screen(
            ConfirmScreen(f"Archive {tid}?", body, "Archive"), lambda ok: self._archive(tid, ok)
        )

    def action_archive(self) -> None:
        task = self.selected
        if task is None:
            return
        body = (
            f"End {task.id}'s agent session and remove its worktree "
            f"({Path(task.worktree).name}). The branch {task.branch} is kept; "
            "uncommitted work is committed on it first."
        )
        self.app.push_screen(
            ConfirmScreen(f"Archive {task.id}?", body, "Archive"),
            lambda ok: self._archive(task.id, ok),
        )

    def _archive(self, tid: str, ok: bool | None) -> None:
        if ok:
            self.run_engine(lambda: f"archived {tid}. " + self.sq.engine.archive(tid), None)

    def action_delete(self) -> None:
        task = self.selected
        if task is None:
            return
        body = (
            f"Delete {task.id}: end its session, remove the worktree and the branch "
            f"{task.branch}. Work not merged into {task.base} is saved first as "
            f"refs/squadron/trash/{task.id}."
        )
        self.app.push_screen(
            ConfirmScreen(f"Delete {task.id}?", body, "Delete", danger=True),
            lambda ok: self._delete(task.id, ok),
        )

    def _delete(self, tid: str, ok: bool | None) -> None:
        if ok:
            self.run_engine(
                lambda: f"deleted {tid}. " + self.sq.engine.remove(tid, force=True), None
            )

    # -- running engine calls ----------------------------------------------------------------
    def run_engine(self, call: object, done: str | None) -> None:
        """Run an engine call in a worker; notify ``done`` (or what the call returned)."""
        self._run_engine(call, done)

    @work(thread=True, exit_on_error=False, group="actions")
    def _run_engine(self, call: object, done: str | None) -> None:
        result = call()  # type: ignore[operator]
        text = done if done is not None else str(result or "done")
        self.post_message(ActionDone(text.strip()))

    def on_action_done(self, message: ActionDone) -> None:
        if message.text:
            self.notify(message.text, timeout=4)
        self.sq.poke()
        if message.reload:
            self.load_tasks()

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """One place where every failed worker becomes a one-line notification."""
        if event.state != WorkerState.ERROR:
            return
        error = event.worker.error
        text = (
            str(error) if isinstance(error, SquadronError) else f"{type(error).__name__}: {error}"
        )
        self.notify(text.splitlines()[0] if text else "failed", severity="error", timeout=6)
