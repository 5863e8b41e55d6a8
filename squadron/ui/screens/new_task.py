"""The new-task dialog: title, prompt, acceptance criteria, agent, base branch.

Agent names come from the user's config: the choices show them as written, never as markup.
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Select, TextArea

from squadron.core.text import one_line


@dataclass(frozen=True)
class NewTaskRequest:
    title: str
    prompt: str
    acceptance: str
    agent: str
    base: str


class NewTaskScreen(ModalScreen[NewTaskRequest | None]):
    CSS_PATH = "modal.tcss"
    BINDINGS = [
        Binding("escape", "cancel", "cancel"),
        Binding("ctrl+s", "create", "create"),
    ]

    def __init__(self, agents: list[str], default_agent: str, base: str) -> None:
        super().__init__()
        self.agents, self.default_agent, self.base = agents, default_agent, base

    def compose(self) -> ComposeResult:
        with VerticalScroll(classes="dialog"):
            yield Label("New task", classes="title")
            yield Label("Title", classes="field")
            yield Input(placeholder="Add a health endpoint", id="title")
            yield Label("Prompt (typed into the agent once it is ready)", classes="field")
            yield TextArea(id="prompt", soft_wrap=True)
            yield Label("Acceptance criteria (optional)", classes="field")
            yield TextArea(id="acceptance", soft_wrap=True, classes="short")
            with Horizontal(classes="row"):
                with Vertical():
                    yield Label("Agent", classes="field")
                    default = (
                        self.default_agent if self.default_agent in self.agents else self.agents[0]
                    )
                    yield Select(
                        [(Text(one_line(a)), a) for a in self.agents],
                        value=default,
                        allow_blank=False,
                        id="agent",
                    )
                with Vertical():
                    yield Label("Base branch", classes="field")
                    yield Input(value=self.base, id="base")
            yield Label("", id="error", classes="error")
            with Horizontal(classes="buttons"):
                yield Label("ctrl+s creates, esc cancels", classes="hint")
                yield Button("Cancel", id="cancel")
                yield Button("Create", id="create", variant="primary")

    def on_mount(self) -> None:
        self.query_one("#title", Input).focus()

    def action_cancel(self) -> None:
        self.dismiss(None)

    def action_create(self) -> None:
        title = self.query_one("#title", Input).value
        if not title.strip():
            self.query_one("#error", Label).update("a task needs a title")
            self.query_one("#title", Input).focus()
            return
        agent = self.query_one("#agent", Select).value
        self.dismiss(
            NewTaskRequest(
                title=title,
                prompt=self.query_one("#prompt", TextArea).text,
                acceptance=self.query_one("#acceptance", TextArea).text,
                agent=str(agent),
                base=self.query_one("#base", Input).value.strip(),
            )
        )

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.id == "title":
            self.query_one("#prompt", TextArea).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "create":
            self.action_create()
        else:
            self.dismiss(None)
