"""Theme files: the shipped ones, user overrides, and strict errors that name the problem."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.app import App, ComposeResult
from textual.color import Color
from textual.widgets import Static

from squadron.ui.themes import (
    STATUS_VARIABLE_DEFAULTS,
    ThemeError,
    load_theme_file,
    load_themes,
    shipped_themes_dir,
)

SHIPPED = ("squadron-dark", "squadron-light", "squadron-high-contrast")
STATUSES = ("starting", "working", "waiting", "idle", "exited", "lost")


def write_theme(folder: Path, stem: str, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{stem}.toml"
    path.write_text(text, encoding="utf-8")
    return path


def contrast(a: str, b: str) -> float:
    """WCAG contrast ratio between two colours."""

    def luminance(colour: str) -> float:
        c = Color.parse(colour)
        channels = [v / 255 for v in (c.r, c.g, c.b)]
        lin = [v / 12.92 if v <= 0.03928 else ((v + 0.055) / 1.055) ** 2.4 for v in channels]
        return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]

    hi, lo = sorted((luminance(a), luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def test_every_shipped_theme_loads_and_defines_every_squadron_variable() -> None:
    themes, problems = load_themes(None)
    assert problems == []
    by_name = {t.name: t for t in themes}
    assert set(by_name) == set(SHIPPED)
    for theme in themes:
        assert set(theme.variables) >= set(STATUS_VARIABLE_DEFAULTS), theme.name
    assert by_name["squadron-light"].dark is False
    assert by_name["squadron-high-contrast"].background == "#000000"


def test_shipped_themes_dir_holds_the_files() -> None:
    names = sorted(p.stem for p in shipped_themes_dir().glob("*.toml"))
    assert names == sorted(SHIPPED)


@pytest.mark.parametrize("name", SHIPPED)
def test_status_colours_are_legible(name: str) -> None:
    theme = load_theme_file(shipped_themes_dir() / f"{name}.toml")
    floor = 7.0 if name == "squadron-high-contrast" else 4.5
    assert theme.background is not None and theme.foreground is not None
    for status in STATUSES:
        colour = theme.variables[f"status-{status}"]
        assert contrast(colour, theme.background) >= floor, (name, status)
    for key in ("diff-added-bg", "diff-removed-bg"):
        assert contrast(theme.foreground, theme.variables[key]) >= floor, (name, key)
    # waiting (needs the human) is never the same colour as another status
    colours = [theme.variables[f"status-{s}"] for s in STATUSES]
    assert colours.count(theme.variables["status-waiting"]) == 1


class VariablesApp(App[None]):
    CSS = "\n".join(
        f"#{name} {{ {'background' if name.endswith('-bg') else 'color'}: ${name}; }}"
        for name in STATUS_VARIABLE_DEFAULTS
    )

    def get_theme_variable_defaults(self) -> dict[str, str]:
        return dict(STATUS_VARIABLE_DEFAULTS)

    def compose(self) -> ComposeResult:
        for name in STATUS_VARIABLE_DEFAULTS:
            yield Static(name, id=name)


USER_THEME = (
    'name = "user-theme"\ndark = false\n[colors]\nprimary = "hsl(45, 100%, 50%)"\n'
    '[variables]\nstatus-waiting = "hsl(20, 100%, 40%) 80%"\ndiff-added-bg = "green 30%"\n'
)


@pytest.mark.parametrize("theme_name", [*SHIPPED, "user-theme", "textual-dark", "textual-light"])
async def test_textual_accepts_the_themes_and_the_defaults(tmp_path: Path, theme_name: str) -> None:
    write_theme(tmp_path / "themes", "user", USER_THEME)
    themes, problems = load_themes(tmp_path)
    assert problems == []
    app = VariablesApp()
    for theme in themes:
        app.register_theme(theme)
    async with app.run_test() as pilot:
        app.theme = theme_name
        await pilot.pause()
        assert app.current_theme.name == theme_name
        waiting = app.query_one("#status-waiting", Static).styles.color
        if theme_name == "user-theme":
            wanted = Color.parse("hsl(20, 100%, 40%)").with_alpha(0.8)
        else:
            wanted = Color.parse(
                app.current_theme.variables.get(
                    "status-waiting", STATUS_VARIABLE_DEFAULTS["status-waiting"]
                )
            )
        assert waiting == wanted


def test_user_theme_loads_and_overrides_a_shipped_one(tmp_path: Path) -> None:
    user = tmp_path / "config"
    write_theme(
        user / "themes",
        "mine",
        'name = "squadron-dark"\ndark = true\n[colors]\nprimary = "#ff00ff"\n'
        '[variables]\nstatus-waiting = "red 50%"\n',
    )
    write_theme(user / "themes", "solar", '[colors]\nprimary = "hsl(45, 100%, 50%)"\n')
    themes, problems = load_themes(user)
    assert problems == []
    by_name = {t.name: t for t in themes}
    assert set(by_name) == {*SHIPPED, "solar"}  # the name defaults to the file name
    assert by_name["squadron-dark"].primary == "#ff00ff"
    assert by_name["squadron-dark"].variables == {"status-waiting": "red 50%"}


def test_a_broken_user_theme_is_one_problem_and_the_rest_still_load(tmp_path: Path) -> None:
    user = tmp_path / "config"
    bad = write_theme(user / "themes", "broken", 'name = "broken"\n[colors\nprimary = 1\n')
    write_theme(user / "themes", "fine", '[colors]\nprimary = "#123456"\n')
    themes, problems = load_themes(user)
    assert len(problems) == 1
    assert "\n" not in problems[0]
    assert problems[0].startswith(f"{bad}: invalid TOML")
    assert {t.name for t in themes} == {*SHIPPED, "fine"}


def test_missing_user_folder_is_not_a_problem(tmp_path: Path) -> None:
    themes, problems = load_themes(tmp_path / "nowhere")
    assert problems == [] and len(themes) == len(SHIPPED)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('nmae = "x"\n[colors]\nprimary = "red"\n', "unknown key 'nmae' (did you mean 'name'?)"),
        ('[colours]\nprimary = "red"\n', "unknown key 'colours' (did you mean 'colors'?)"),
        (
            '[colors]\nprimary = "red"\nsucess = "green"\n',
            "unknown key 'colors.sucess' (did you mean 'success'?)",
        ),
        (
            '[colors]\nprimary = "red"\n[variables]\nstatus-wating = "red"\n',
            "unknown key 'variables.status-wating' (did you mean 'status-waiting'?)",
        ),
    ],
)
def test_unknown_key_names_the_nearest_valid_one(tmp_path: Path, text: str, message: str) -> None:
    path = write_theme(tmp_path, "t", text)
    with pytest.raises(ThemeError) as info:
        load_theme_file(path)
    assert str(info.value) == f"{path}: {message}"


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ('[colors]\nprimary = "blurple"\n', "colors.primary"),
        ('[colors]\nprimary = "red"\nerror = "#12345"\n', "colors.error"),
        ('[colors]\nprimary = "red"\nsurface = 3\n', "colors.surface"),
        ('[colors]\nprimary = "red"\nwarning = "red 50%"\n', "colors.warning"),
        (
            '[colors]\nprimary = "red"\n[variables]\nstatus-lost = "rouge"\n',
            "variables.status-lost",
        ),
        (
            '[colors]\nprimary = "red"\n[variables]\ndiff-added-bg = "red 150%"\n',
            "variables.diff-added-bg",
        ),
    ],
)
def test_bad_colour_names_its_key(tmp_path: Path, text: str, key: str) -> None:
    path = write_theme(tmp_path, "t", text)
    with pytest.raises(ThemeError, match="not a colour") as info:
        load_theme_file(path)
    message = str(info.value)
    assert message.startswith(f"{path}: '{key}' is not a colour")
    assert "\n" not in message


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ('name = "x"\n', "'colors.primary' is missing"),
        ('dark = "yes"\n[colors]\nprimary = "red"\n', "'dark' must be true or false"),
        ('name = ""\n[colors]\nprimary = "red"\n', "'name' must be a non-empty string"),
        ('colors = "red"\n', "'colors' must be a table"),
    ],
)
def test_other_mistakes_are_named(tmp_path: Path, text: str, problem: str) -> None:
    path = write_theme(tmp_path, "t", text)
    with pytest.raises(ThemeError) as info:
        load_theme_file(path)
    assert str(info.value).startswith(f"{path}: {problem}")


def test_textual_variables_may_be_overridden(tmp_path: Path) -> None:
    path = write_theme(
        tmp_path,
        "t",
        '[colors]\nprimary = "red"\n[variables]\nfooter-key-foreground = "#ffffff"\n'
        'block-cursor-text-style = "bold"\n',
    )
    theme = load_theme_file(path)
    assert theme.variables["block-cursor-text-style"] == "bold"
