"""Colour themes: TOML files shipped in ``themes/`` plus the user's own, loaded strictly.

One theme per file (the shipped files document the format in their header)::

    name = "squadron-dark"     # defaults to the file name without ".toml"
    dark = true
    [colors]                   # Textual Theme fields (COLOR_KEYS); ``primary`` is required
    [variables]                # squadron's variables (STATUS_VARIABLE_DEFAULTS) or Textual's own

An unknown key is an error naming the nearest valid key; a colour that does not parse is an
error naming its key. ``load_themes`` turns each broken file into a one-line problem and goes on.
"""

from __future__ import annotations

import difflib
import re
import tomllib
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from textual.color import Color, ColorParseError
from textual.design import ColorSystem
from textual.theme import Theme

import squadron

STATUS_VARIABLE_DEFAULTS: dict[str, str] = {
    "status-starting": "#8e6fd8",
    "status-working": "#2e86d1",
    "status-waiting": "#d26a00",
    "status-idle": "#3a9a4a",
    "status-exited": "#808080",
    "status-lost": "#e0464e",
    "diff-added-bg": "#2ea04340",
    "diff-removed-bg": "#f8514940",
    "diff-added-fg": "#3a9a4a",
    "diff-removed-fg": "#e0464e",
    "diff-hunk-fg": "#8e6fd8",
}
"""squadron's own CSS variables with values legible on light and dark backgrounds alike: the
fallback for themes that do not set them (``App.get_theme_variable_defaults``)."""

COLOR_KEYS = (
    "primary",
    "secondary",
    "accent",
    "foreground",
    "background",
    "surface",
    "panel",
    "boost",
    "warning",
    "error",
    "success",
)
TOP_KEYS = ("name", "dark", "colors", "variables")
_ALPHA = re.compile(r"(.*\S)\s+(\d+(?:\.\d+)?)%")
_VARIABLES_SHOWN = ", ".join(STATUS_VARIABLE_DEFAULTS) + " or one of Textual's variables"


class ThemeError(Exception):
    """A theme file cannot be used; the message is one line naming the file and the problem."""


@cache
def _textual_variables() -> frozenset[str]:
    """Every variable Textual itself derives from a theme (they may be overridden too)."""
    return frozenset(ColorSystem(primary="#000000").generate())


def _nearest(key: str, valid: list[str], shown: str = "") -> str:
    match = difflib.get_close_matches(key, valid, n=1)
    return f" (did you mean '{match[0]}'?)" if match else f" (valid: {shown or ', '.join(valid)})"


def _is_colour(value: str, allow_alpha: bool) -> bool:
    """A colour Textual parses; with ``allow_alpha`` also ``"<colour> <percent>%"``."""
    colour = value.strip()
    alpha = _ALPHA.fullmatch(colour) if allow_alpha else None
    if alpha is not None:
        colour = alpha.group(1)
        if float(alpha.group(2)) > 100:
            return False
    try:
        Color.parse(colour)
    except ColorParseError:
        return False
    return True


def _table(path: Path, data: dict[str, Any], key: str) -> dict[str, Any]:
    value = data.get(key, {})
    if not isinstance(value, dict):
        raise ThemeError(f"{path}: '{key}' must be a table ([{key}])")
    return value


def load_theme_file(path: Path) -> Theme:
    """Read one theme file; raises ``ThemeError`` with a one-line message on any problem."""
    try:
        with path.open("rb") as fh:
            data = tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        raise ThemeError(f"{path}: invalid TOML: {' '.join(str(exc).split())}") from None
    except OSError as exc:
        raise ThemeError(f"{path}: cannot read: {exc.strerror or exc}") from None
    for key in data:
        if key not in TOP_KEYS:
            raise ThemeError(f"{path}: unknown key '{key}'{_nearest(key, list(TOP_KEYS))}")
    name = data.get("name", path.stem)
    if not isinstance(name, str) or not name.strip():
        raise ThemeError(f"{path}: 'name' must be a non-empty string")
    dark = data.get("dark", True)
    if not isinstance(dark, bool):
        raise ThemeError(f"{path}: 'dark' must be true or false")
    colors: dict[str, str] = {}
    for key, value in _table(path, data, "colors").items():
        if key not in COLOR_KEYS:
            raise ThemeError(f"{path}: unknown key 'colors.{key}'{_nearest(key, list(COLOR_KEYS))}")
        if not isinstance(value, str) or not _is_colour(value, allow_alpha=False):
            raise ThemeError(f"{path}: 'colors.{key}' is not a colour: {value!r}")
        colors[key] = value
    if "primary" not in colors:
        raise ThemeError(f"{path}: 'colors.primary' is missing (every theme needs one)")
    variables: dict[str, str] = {}
    valid_variables = sorted({*STATUS_VARIABLE_DEFAULTS, *_textual_variables()})
    for key, value in _table(path, data, "variables").items():
        if key not in valid_variables:
            raise ThemeError(
                f"{path}: unknown key 'variables.{key}'"
                f"{_nearest(key, valid_variables, _VARIABLES_SHOWN)}"
            )
        ours = key in STATUS_VARIABLE_DEFAULTS
        if not isinstance(value, str) or not value.strip():
            raise ThemeError(f"{path}: 'variables.{key}' must be a non-empty string")
        if ours and not _is_colour(value, allow_alpha=True):
            raise ThemeError(f"{path}: 'variables.{key}' is not a colour: {value!r}")
        variables[key] = value
    theme = Theme(
        name=name,
        dark=dark,
        variables=variables,
        primary=colors["primary"],
        secondary=colors.get("secondary"),
        accent=colors.get("accent"),
        foreground=colors.get("foreground"),
        background=colors.get("background"),
        surface=colors.get("surface"),
        panel=colors.get("panel"),
        boost=colors.get("boost"),
        warning=colors.get("warning"),
        error=colors.get("error"),
        success=colors.get("success"),
    )
    try:
        theme.to_color_system().generate()
    except Exception as exc:  # a last line of defence: Textual rejects what we let through
        raise ThemeError(f"{path}: unusable theme: {' '.join(str(exc).split())}") from None
    return theme


def shipped_themes_dir() -> Path:
    """``squadron/themes`` in an installed wheel, else the repository's ``themes/`` (editable)."""
    try:
        packaged = resources.files("squadron").joinpath("themes")
        if isinstance(packaged, Path) and packaged.is_dir():
            return packaged
    except (ModuleNotFoundError, OSError):
        pass
    return Path(squadron.__file__).resolve().parent.parent / "themes"


def load_themes(user_dir: Path | None) -> tuple[list[Theme], list[str]]:
    """Shipped themes, then ``<user_dir>/themes/*.toml`` (same name overrides), and problems.

    Never raises: a file that cannot be used becomes one line in the problem list and is skipped.
    """
    themes: dict[str, Theme] = {}
    problems: list[str] = []
    shipped = shipped_themes_dir()
    folders = [shipped] + ([user_dir / "themes"] if user_dir is not None else [])
    for folder in folders:
        try:
            paths = sorted(folder.glob("*.toml")) if folder.is_dir() else []
        except OSError as exc:
            problems.append(f"{folder}: cannot list themes: {exc.strerror or exc}")
            continue
        if folder == shipped and not paths:
            problems.append(f"{folder}: no shipped themes found (broken installation?)")
        for path in paths:
            try:
                theme = load_theme_file(path)
            except ThemeError as exc:
                problems.append(" ".join(str(exc).split()))
                continue
            themes[theme.name] = theme  # a user theme replaces the shipped one of that name
    return list(themes.values()), problems
