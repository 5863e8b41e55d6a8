"""Git adapter: the only code in squadron that runs git.

Every call is an argv list run through GitPython's ``Git.execute`` (never a shell). Names that
come from users (branches, paths, messages) are passed after ``--``, as full ``refs/heads/``
names, resolved to object ids first, or through stdin, so quotes, ``$()``, ``;``, newlines,
non-ASCII and a leading ``-`` all arrive literally.

Failures raise :class:`GitError`, whose ``str()`` is one line a user can act on.

Supported floor: git 2.38 (``merge-tree --write-tree``).

For callers:

- Call :func:`scrub_repo_environment` once at start-up: an inherited ``GIT_DIR`` (squadron run
  from a git hook or ``rebase -x``) would otherwise redirect every git call and every agent.
- :meth:`GitRepo.merge` merges the branch's commits only: run :meth:`GitRepo.commit_pending`
  on the task's worktree first so that what merges is what the diff showed.
- :meth:`GitRepo.remove_worktree` deletes untracked files too: save work first
  (:meth:`GitRepo.commit_pending` or :meth:`GitRepo.save_ref` of a snapshot).
- Commits squadron makes (snapshots, pending work, merges) run no hooks.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from collections.abc import Iterable, Mapping, MutableMapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache
from pathlib import Path
from typing import IO, Any, TypeAlias

# GitPython runs git once at import and raises ImportError when git is missing; squadron
# reports a missing git itself (GitError, `squadron doctor`), so keep that first run quiet.
os.environ.setdefault("GIT_PYTHON_REFRESH", "quiet")

from git.cmd import Git
from git.exc import GitCommandNotFound

__all__ = [
    "MIN_GIT_VERSION",
    "REPO_ENV_VARS",
    "FileStat",
    "Forecast",
    "GitError",
    "GitRepo",
    "MergeConflict",
    "MergeResult",
    "MergeStrategy",
    "NotARepoError",
    "Snapshot",
    "Worktree",
    "git_version",
    "scrub_repo_environment",
    "totals",
]

MIN_GIT_VERSION = (2, 38, 0)
FALLBACK_NAME = "squadron"
FALLBACK_EMAIL = "squadron@localhost"
SNAPSHOT_MESSAGE = "squadron snapshot\n"

StrPath: TypeAlias = "str | os.PathLike[str]"

_GIT = Git()
_VERSION_RE = re.compile(r"(\d+)\.(\d+)(?:\.(\d+))?")
_MAX_LISTED = 10


# --------------------------------------------------------------------------------------------
# errors and results


class GitError(Exception):
    """A git operation failed. ``str()`` is a single line meant for the user."""

    def __init__(self, message: str, *, stderr: str = "", returncode: int | None = None) -> None:
        super().__init__(_one_line(message))
        self.stderr = stderr
        self.returncode = returncode


class NotARepoError(GitError):
    """The path is not inside a git repository with a working tree."""


class MergeConflict(GitError):
    """The merge would conflict in ``files`` (also ``conflicts``). Nothing was changed."""

    def __init__(self, files: Sequence[str], message: str | None = None) -> None:
        self.files = list(files)
        super().__init__(message or f"merge would conflict in: {_listing(self.files)}")

    @property
    def conflicts(self) -> list[str]:
        return self.files


class MergeStrategy(StrEnum):
    MERGE = "merge"
    SQUASH = "squash"
    REBASE = "rebase"


@dataclass(frozen=True)
class Snapshot:
    """A worktree's whole state (committed, staged, unstaged, untracked) as git objects.

    ``commit`` is ``head`` itself when the worktree is clean, else a commit whose parent is
    ``head`` and whose tree is ``tree``. The commit is not on any ref (it is garbage-collected
    eventually unless saved with :meth:`GitRepo.save_ref`).
    """

    head: str
    commit: str
    tree: str
    dirty: bool


@dataclass(frozen=True)
class FileStat:
    path: str
    added: int
    removed: int
    binary: bool
    old_path: str | None = None  # set for renames and copies


@dataclass(frozen=True)
class Forecast:
    clean: bool
    conflicts: list[str]
    tree: str | None  # the merged tree when clean


@dataclass(frozen=True)
class MergeResult:
    commit: str
    strategy: MergeStrategy


@dataclass(frozen=True)
class Worktree:
    path: Path
    head: str | None
    branch: str | None  # short name ("main"), None when detached or bare
    bare: bool = False
    locked: bool = False
    prunable: bool = False


def totals(stats: Iterable[FileStat]) -> tuple[int, int]:
    """(+added, -removed) over all files; binary files count zero."""
    added = removed = 0
    for stat in stats:
        added += stat.added
        removed += stat.removed
    return added, removed


# --------------------------------------------------------------------------------------------
# running git


def _one_line(text: str) -> str:
    return " ".join(part.strip() for part in text.splitlines() if part.strip()) or text.strip()


def _meaningful(stderr: str) -> str:
    """The line of git's stderr that says what went wrong, without its ``fatal:`` prefix.

    A line ending in ``:`` that git follows with an indented list of files gets the files.
    """
    lines = [line.rstrip() for line in stderr.splitlines() if line.strip()]
    chosen: int | None = None
    for prefix in ("fatal:", "error:"):
        chosen = next((i for i, line in enumerate(lines) if line.startswith(prefix)), None)
        if chosen is not None:
            break
    if chosen is None:
        chosen = next(
            (i for i, line in enumerate(lines) if not line.startswith(("hint:", "warning:"))),
            len(lines) - 1,
        )
    if chosen < 0:
        return ""
    text = (
        lines[chosen].split(":", 1)[1]
        if lines[chosen].startswith(("fatal:", "error:"))
        else lines[chosen]
    )
    text = text.strip()
    if text.endswith(":"):
        items = []
        for line in lines[chosen + 1 :]:
            if not line[:1].isspace():
                break
            items.append(line.strip())
        if items:
            text = f"{text} {_listing(items)}"
    return text


def _decode(raw: bytes) -> str:
    return os.fsdecode(raw)


def _split_z(raw: bytes) -> list[str]:
    return [_decode(part) for part in raw.split(b"\0") if part]


@dataclass(frozen=True)
class _Result:
    status: int
    out: bytes
    err: str

    @property
    def text(self) -> str:
        return _decode(self.out).strip()


def _run(
    args: Sequence[str],
    cwd: StrPath,
    *,
    env: Mapping[str, str] | None = None,
    input: bytes | None = None,
    ok: Sequence[int] = (0,),
    config: Sequence[str] = (),
) -> _Result:
    """Run ``git -C cwd [-c config...] args...``; raise :class:`GitError` on a status not in ``ok``.

    ``-C`` (rather than a working directory) makes a missing directory an error instead of a
    silent fallback to the process's own directory.
    """
    argv = ["git", "--no-pager", "-C", os.fspath(cwd)]
    for item in config:
        argv += ["-c", item]
    argv += list(args)
    stdin: IO[bytes] | None = None
    try:
        if input is not None:
            stdin = tempfile.TemporaryFile()  # noqa: SIM115 - closed in finally
            stdin.write(input)
            stdin.seek(0)
        kwargs: dict[str, Any] = {
            "with_extended_output": True,
            "with_exceptions": False,
            "stdout_as_string": False,
            "strip_newline_in_stdout": False,
        }
        if stdin is not None:
            kwargs["istream"] = stdin
        if env:
            kwargs["env"] = dict(env)
        status, out, err = _GIT.execute(argv, **kwargs)
    except GitCommandNotFound as exc:
        raise GitError("git is not installed or not on PATH") from exc
    finally:
        if stdin is not None:
            stdin.close()
    out_bytes = out if isinstance(out, bytes) else str(out).encode()
    err_text = err if isinstance(err, str) else _decode(err)
    if status not in ok:
        reason = _meaningful(err_text) or f"exited with status {status}"
        sub = next((a for a in args if not a.startswith("-")), "")
        raise GitError(f"git {sub} failed: {reason}", stderr=err_text, returncode=status)
    return _Result(status, out_bytes, err_text)


# Variables that point git at one particular repository (set by git for hooks and `rebase -x`).
# Inherited by squadron they would redirect every call, and every agent, to that repository.
REPO_ENV_VARS = (
    "GIT_DIR",
    "GIT_WORK_TREE",
    "GIT_INDEX_FILE",
    "GIT_COMMON_DIR",
    "GIT_OBJECT_DIRECTORY",
    "GIT_ALTERNATE_OBJECT_DIRECTORIES",
    "GIT_PREFIX",
    "GIT_IMPLICIT_WORK_TREE",
    "GIT_SHALLOW_FILE",
    "GIT_GRAFT_FILE",
)


def scrub_repo_environment(environ: MutableMapping[str, str] | None = None) -> list[str]:
    """Remove :data:`REPO_ENV_VARS` from ``environ`` (default ``os.environ``); names removed.

    Call once at start-up, before any git call or tmux server start.
    """
    target = os.environ if environ is None else environ
    removed = [name for name in REPO_ENV_VARS if name in target]
    for name in removed:
        del target[name]
    return removed


@lru_cache(maxsize=1)
def git_version() -> tuple[int, int, int]:
    """The installed git's version, e.g. ``(2, 39, 5)``."""
    text = _run(["version"], os.path.abspath(os.sep)).text
    match = _VERSION_RE.search(text)
    if match is None:
        raise GitError(f"cannot read the git version from {text!r}")
    return int(match[1]), int(match[2]), int(match[3] or 0)


def _heads(name: str) -> str:
    return name if name.startswith("refs/") else f"refs/heads/{name}"


def _short(ref: str) -> str:
    return ref.removeprefix("refs/heads/")


def _listing(paths: Sequence[str]) -> str:
    shown = ", ".join(paths[:_MAX_LISTED])
    if len(paths) > _MAX_LISTED:
        shown += f" and {len(paths) - _MAX_LISTED} more"
    return shown


def _message_bytes(message: str, default: str) -> bytes:
    text = message.replace("\0", "").strip() or default
    return (text + "\n").encode("utf-8", "surrogateescape")


# --------------------------------------------------------------------------------------------
# the repository


class GitRepo:
    """One repository (all its worktrees). Stateless apart from its paths: thread-safe."""

    def __init__(self, toplevel: Path, common_dir: Path) -> None:
        self.toplevel = toplevel
        self.common_dir = common_dir

    def __repr__(self) -> str:
        return f"GitRepo({str(self.toplevel)!r})"

    @property
    def name(self) -> str:
        return self.toplevel.name

    # -- discovery ---------------------------------------------------------------------------

    @classmethod
    def discover(cls, path: StrPath) -> GitRepo:
        """The repository containing ``path`` (any folder of any of its worktrees)."""
        where = Path(path).expanduser().absolute()
        if where.is_file():
            where = where.parent
        if not where.is_dir():
            raise NotARepoError(f"not a git repository: {where}")
        try:
            res = _run(
                ["rev-parse", "--path-format=absolute", "--git-common-dir", "--is-bare-repository"],
                where,
            )
        except GitError as exc:
            if "not a git repository" in exc.stderr:
                raise NotARepoError(f"not a git repository: {where}") from None
            raise
        common_text, bare = res.text.splitlines()
        if bare == "true":
            raise NotARepoError(f"not a git repository with a working tree: {where}")
        common_dir = Path(common_text)
        worktrees = _parse_worktrees(_run(["worktree", "list", "--porcelain", "-z"], where).out)
        if worktrees and not worktrees[0].bare:
            main = worktrees[0].path
        else:  # a bare repository with linked worktrees: the one we are in stands for it
            main = Path(_run(["rev-parse", "--show-toplevel"], where).text)
        return cls(main, common_dir)

    # -- refs --------------------------------------------------------------------------------

    def _git(self, args: Sequence[str], cwd: StrPath | None = None, **kw: Any) -> _Result:
        return _run(args, self.toplevel if cwd is None else cwd, **kw)

    def current_branch(self, worktree: StrPath | None = None) -> str | None:
        """The branch checked out in ``worktree`` (default: the main one); None if detached."""
        res = self._git(["symbolic-ref", "-q", "HEAD"], worktree, ok=(0, 1))
        return _short(res.text) if res.status == 0 and res.text else None

    def branch_exists(self, name: str) -> bool:
        res = self._git(["rev-parse", "--verify", "--quiet", _heads(name)], ok=(0, 1, 128))
        return res.status == 0

    def rev_parse(self, rev: str) -> str:
        """The full object id of ``rev``; GitError "unknown revision" if it does not exist."""
        res = self._git(
            ["rev-parse", "--verify", "--quiet", "--end-of-options", rev], ok=(0, 1, 128)
        )
        if res.status != 0 or not res.text:
            raise GitError(f"unknown revision: '{rev}'")
        return res.text

    def _try_commit(self, rev: str) -> str | None:
        res = self._git(
            ["rev-parse", "--verify", "--quiet", "--end-of-options", f"{rev}^{{commit}}"],
            ok=(0, 1, 128),
        )
        return res.text if res.status == 0 and res.text else None

    def _branch_commit(self, name: str, what: str = "branch") -> str:
        """The commit of local branch ``name``; GitError "<what> 'x' does not exist"."""
        oid = self._try_commit(_heads(name))
        if oid is None:
            raise GitError(f"{what} '{name}' does not exist")
        return oid

    def _commitish(self, rev: str, what: str = "base branch") -> str:
        """A local branch preferably, else any commit-ish (tag, remote branch, id)."""
        if _is_oid(rev):
            return rev
        oid = self._try_commit(_heads(rev))
        if oid is None and not rev.startswith("-"):
            oid = self._try_commit(rev)
        if oid is None:
            raise GitError(f"{what} '{rev}' does not exist")
        return oid

    def _base_commit(self, base: str) -> str:
        return self._commitish(base, "base branch")

    def _count(self, tip: str, base_oid: str) -> int:
        return int(self._git(["rev-list", "--count", tip, f"^{base_oid}", "--"]).text)

    def _tree_of(self, commit: str) -> str:
        return self._git(["rev-parse", "--verify", f"{commit}^{{tree}}"]).text

    def merge_base(self, a: str, b: str) -> str:
        res = self._git(["merge-base", "--end-of-options", a, b], ok=(0, 1))
        if res.status != 0 or not res.text:
            raise GitError(f"'{a}' and '{b}' have no common history")
        return res.text.split()[0]

    def unique_branch(self, name: str) -> str:
        """``name``, or ``name-2``, ``name-3``… : the first that can be created as a branch."""
        res = self._git(["for-each-ref", "--format=%(refname)", "refs/heads/"])
        taken = {_short(line) for line in _decode(res.out).splitlines() if line}

        def free(candidate: str) -> bool:
            if candidate in taken:
                return False
            parts = candidate.split("/")
            prefixes = {"/".join(parts[:i]) for i in range(1, len(parts))}
            if prefixes & taken:  # "a" exists: "a/b" cannot be created
                return False
            return not any(t.startswith(candidate + "/") for t in taken)

        # a branch "a" blocks every "a/...": flatten the blocked folder into the name
        parts = name.split("/")
        for i in range(1, len(parts)):
            if "/".join(parts[:i]) in taken:
                name = "/".join([*parts[: i - 1], "-".join(parts[i - 1 :])])
                break
        if free(name):
            return name
        for n in range(2, 100_000):
            if free(f"{name}-{n}"):
                return f"{name}-{n}"
        raise GitError(f"no free branch name like '{name}'")

    def delete_branch(self, name: str) -> None:
        """Delete a local branch even if unmerged (save work first with :meth:`save_ref`)."""
        self._git(["branch", "-D", "--", _short(name)])

    def save_ref(self, ref: str, commit: str, message: str = "squadron: save") -> None:
        """Point ``ref`` (a full name, e.g. ``refs/squadron/trash/t3``) at ``commit``."""
        if not ref.startswith("refs/"):
            raise GitError(f"not a full ref name: '{ref}'")
        oid = self.rev_parse(commit)
        self._git(["update-ref", "-m", message, "--", ref, oid])

    # -- worktrees ---------------------------------------------------------------------------

    def list_worktrees(self) -> list[Worktree]:
        """Every worktree, the main one first."""
        return _parse_worktrees(self._git(["worktree", "list", "--porcelain", "-z"]).out)

    def branch_worktree(self, branch: str) -> Worktree | None:
        """The worktree where ``branch`` is checked out, if any."""
        short = _short(branch)
        for wt in self.list_worktrees():
            if wt.branch == short:
                return wt
        return None

    def add_worktree(self, path: StrPath, branch: str, base: str) -> None:
        """Create ``path`` with new branch ``branch`` started from ``base``."""
        base_oid = self._base_commit(base)
        target = Path(path).expanduser().absolute()
        self._git(["worktree", "add", "--no-track", "-b", branch, "--", str(target), base_oid])

    def remove_worktree(self, path: StrPath) -> None:
        """Remove a worktree and its files, even with uncommitted changes; prune stale ones."""
        target = Path(path).expanduser().absolute()
        try:
            self._git(["worktree", "remove", "--force", "--", str(target)])
        except GitError:
            if target.exists():
                raise
        self._git(["worktree", "prune"])

    # -- state of a worktree -----------------------------------------------------------------

    def _identity_env(self, cwd: StrPath) -> dict[str, str]:
        """GIT_AUTHOR_*/GIT_COMMITTER_* for squadron only where no identity is configured."""
        res = self._git(["config", "--get-regexp", r"^user\.(name|email)$"], cwd, ok=(0, 1))
        keys = {line.split(" ", 1)[0].lower() for line in res.text.splitlines() if line}
        env: dict[str, str] = {}
        for key, who, value in (
            ("user.name", "NAME", FALLBACK_NAME),
            ("user.email", "EMAIL", FALLBACK_EMAIL),
        ):
            if key in keys or (who == "EMAIL" and os.environ.get("EMAIL")):
                continue  # configured, or git's own $EMAIL fallback applies
            for role in ("AUTHOR", "COMMITTER"):
                var = f"GIT_{role}_{who}"
                if not os.environ.get(var):
                    env[var] = value
        return env

    def _commit_tree(
        self, tree: str, parents: Sequence[str], message: bytes, cwd: StrPath | None = None
    ) -> str:
        args = ["commit-tree", tree]
        for parent in parents:
            args += ["-p", parent]
        args += ["-F", "-"]
        where = self.toplevel if cwd is None else cwd
        return self._git(args, where, input=message, env=self._identity_env(where)).text

    def snapshot(self, worktree: StrPath) -> Snapshot:
        """The worktree's full state as a tree and commit, leaving its index and files alone."""
        return self._snapshot(worktree, SNAPSHOT_MESSAGE.encode())

    def _snapshot(self, worktree: StrPath, message: bytes) -> Snapshot:
        wt = Path(worktree).absolute()
        head, head_tree, tree = self._worktree_tree(wt)
        if tree == head_tree:
            return Snapshot(head=head, commit=head, tree=tree, dirty=False)
        commit = self._commit_tree(tree, [head], message, wt)
        return Snapshot(head=head, commit=commit, tree=tree, dirty=True)

    def _worktree_tree(self, wt: Path) -> tuple[str, str, str]:
        """(HEAD, HEAD's tree, the tree of everything in the worktree) via a temporary index."""
        res = self._git(
            [
                "rev-parse",
                "--path-format=absolute",
                "--git-path",
                "index",
                "HEAD^{commit}",
                "HEAD^{tree}",
            ],
            wt,
            ok=(0, 128),
        )
        lines = res.text.splitlines()
        if res.status != 0 or len(lines) != 3:
            raise GitError(f"worktree has no commit checked out: {wt}")
        index, head, head_tree = Path(lines[0]), lines[1], lines[2]
        with tempfile.TemporaryDirectory(prefix="squadron-index-") as tmp:
            temp_index = Path(tmp) / "index"
            if index.is_file():
                shutil.copyfile(index, temp_index)  # stat data kept: add -A stays fast
            env = {"GIT_INDEX_FILE": str(temp_index)}
            try:
                self._git(["add", "-A"], wt, env=env)
            except GitError:
                # A copied index git cannot use (e.g. split index): start from HEAD instead.
                temp_index.unlink(missing_ok=True)
                self._git(["read-tree", head], wt, env=env)
                self._git(["add", "-A"], wt, env=env)
            tree = self._git(["write-tree"], wt, env=env).text
        return head, head_tree, tree

    def dirty_files(self, worktree: StrPath) -> set[str]:
        """Paths with uncommitted changes, untracked files included (ignored ones not)."""
        res = self._git(
            ["--no-optional-locks", "status", "--porcelain", "-z", "--untracked-files=all"],
            worktree,
        )
        return _parse_porcelain(res.out)

    def commit_pending(self, worktree: StrPath, message: str) -> bool:
        """Commit everything pending (untracked too) on the worktree's branch.

        The branch moves by compare-and-swap, then the index is re-read from HEAD (files are
        not touched). No commit hooks run. False when there was nothing to commit.
        """
        wt = Path(worktree).absolute()
        branch = self.current_branch(wt)
        if branch is None:
            raise GitError(f"worktree is not on a branch: {wt}")
        snap = self._snapshot(wt, _message_bytes(message, "squadron: pending changes"))
        if not snap.dirty:
            return False
        try:
            self._git(
                [
                    "update-ref",
                    "-m",
                    "squadron: commit pending changes",
                    "--",
                    _heads(branch),
                    snap.commit,
                    snap.head,
                ],
                wt,
            )
        except GitError as exc:
            raise GitError(f"branch '{branch}' moved while committing; try again") from exc
        self._git(["reset", "-q"], wt)
        return True

    # -- comparing ---------------------------------------------------------------------------

    def diff_range(self, worktree: StrPath, base: str) -> tuple[str, str]:
        """(merge-base of base and HEAD, tree of the whole worktree): what a task changed,
        from one temporary-index snapshot; no commit needed."""
        head, _, tree = self._worktree_tree(Path(worktree).absolute())
        return self.merge_base(self._base_commit(base), head), tree

    def diff(
        self, worktree: StrPath, base: str, stat: bool = False, since: str | None = None
    ) -> str:
        """Everything the worktree changed since its merge-base with ``base``, untracked files
        included, as a unified diff (or ``--stat``). With ``since`` (a commit, e.g. the state
        at the last review), only what changed after it."""
        old, new = self.diff_range(worktree, base)
        if since is not None:
            old = self._commitish(since, "commit")
        return self.diff_between(old, new, stat=stat)

    def diff_between(self, old: str, new: str, stat: bool = False) -> str:
        """The unified diff (or ``--stat``) between two commits or trees. Paths are C-quoted
        only when they hold control characters, quotes or backslashes (core.quotePath=false)."""
        args = [
            "diff",
            "--no-color",
            "--no-ext-diff",
            "--no-relative",
            "-M",
            "--src-prefix=a/",
            "--dst-prefix=b/",
        ]
        if stat:
            args.append("--stat=1000")
        args += [old, new, "--"]
        res = self._git(args, self.toplevel, config=["core.quotePath=false"])
        return res.out.decode("utf-8", "replace")

    def numstat(self, worktree: StrPath, base: str) -> list[FileStat]:
        """Per-file added/removed lines of :meth:`diff`, in one git call."""
        old, new = self.diff_range(worktree, base)
        res = self._git(
            ["diff", "--numstat", "-z", "--no-relative", "-M", old, new, "--"], worktree
        )
        return _parse_numstat(res.out)

    # -- remotes -----------------------------------------------------------------------------

    def remotes(self) -> list[str]:
        return self._git(["remote"]).text.split()

    def push_remote(self, base: str) -> str | None:
        """Where to push a task branch: the base branch's remote, else ``origin``, else the
        only remote; ``None`` when the repository has no remote."""
        names = self.remotes()
        res = self._git(["config", "--get", f"branch.{_short(base)}.remote"], ok=(0, 1))
        if res.status == 0 and res.text in names:
            return res.text
        if "origin" in names:
            return "origin"
        return names[0] if len(names) == 1 else None

    def push(self, branch: str, remote: str) -> None:
        """Push ``branch`` to a branch of the same name on ``remote`` and track it."""
        head = _heads(branch)
        # never wait on a credential prompt nobody can see
        self._git(
            ["push", "--set-upstream", "--", remote, f"{head}:{head}"],
            env={"GIT_TERMINAL_PROMPT": "0"},
        )

    def commits_ahead(self, base: str, branch: str) -> int:
        """Commits on ``branch`` that are not on ``base``."""
        return self._count(self._branch_commit(branch), self._base_commit(base))

    def has_unmerged_work(self, base: str, branch: str, worktree: StrPath | None = None) -> bool:
        """True when deleting ``branch`` (and ``worktree``) would lose work.

        That is: uncommitted changes in the worktree, or commits whose changes are not in
        ``base`` yet. A branch merged with ``squash`` or ``rebase`` counts as merged: its
        commits are not in base, but merging it again would change nothing.
        """
        if worktree is not None and Path(worktree).is_dir() and self.dirty_files(worktree):
            return True
        base_oid, tip = self._base_commit(base), self._branch_commit(branch)
        if self._count(tip, base_oid) == 0:
            return False
        forecast = self.forecast_merge(base_oid, tip)
        return not forecast.clean or forecast.tree != self._tree_of(base_oid)

    # -- merging -----------------------------------------------------------------------------

    def forecast_merge(self, base: str, commit: str) -> Forecast:
        """What merging ``commit`` into ``base`` would give; touches no worktree or index."""
        base_oid = self._base_commit(base)
        oid = self._commitish(commit, "commit")
        try:
            res = self._git(
                ["merge-tree", "--write-tree", "--name-only", "--no-messages", "-z", base_oid, oid],
                ok=(0, 1),
            )
        except GitError as exc:
            if git_version() < MIN_GIT_VERSION:
                raise GitError(
                    f"git {'.'.join(map(str, MIN_GIT_VERSION[:2]))} or newer is needed "
                    f"to forecast merges (found {'.'.join(map(str, git_version()))})"
                ) from exc
            raise
        parts = _split_z(res.out)
        tree = parts[0] if parts else None
        if res.status == 0:
            return Forecast(clean=True, conflicts=[], tree=tree)
        return Forecast(clean=False, conflicts=list(dict.fromkeys(parts[1:])), tree=None)

    def merge(
        self,
        branch: str,
        base: str,
        strategy: str | MergeStrategy = MergeStrategy.MERGE,
        message: str | None = None,
    ) -> MergeResult:
        """Merge ``branch`` into the local branch ``base``; never switches any checkout.

        Commit pending work first (:meth:`commit_pending`): only the branch's commits merge.
        Raises MergeConflict (nothing changed) or GitError (nothing to merge, dirty base
        checkout in the way, ...).
        """
        try:
            how = MergeStrategy(strategy)
        except ValueError:
            raise GitError(
                f"unknown merge strategy '{strategy}' (choose merge, squash or rebase)"
            ) from None
        base = _short(base)
        branch = _short(branch)
        if base == branch:
            raise GitError(f"cannot merge branch '{branch}' into itself")
        old = self._branch_commit(base, "base branch")
        tip = self._branch_commit(branch)
        nothing = GitError(f"nothing to merge: '{branch}' has no changes that are not in '{base}'")
        if self._count(tip, old) == 0:
            raise nothing
        forecast = self.forecast_merge(old, tip)
        if not forecast.clean:
            raise MergeConflict(
                forecast.conflicts,
                f"merging '{branch}' into '{base}' would conflict in: "
                f"{_listing(forecast.conflicts)}",
            )
        if forecast.tree is None or forecast.tree == self._tree_of(old):
            raise nothing

        default = {
            MergeStrategy.MERGE: f"Merge branch '{branch}' into {base}",
            MergeStrategy.SQUASH: f"Squashed branch '{branch}'",
        }
        new_branch_tip: str | None = None
        if how is MergeStrategy.MERGE:
            text = _message_bytes(message or "", default[how])
            new = self._commit_tree(forecast.tree, [old, tip], text)
        elif how is MergeStrategy.SQUASH:
            text = _message_bytes(message or "", default[how])
            new = self._commit_tree(forecast.tree, [old], text)
        elif self.merge_base(old, tip) == old:
            new = tip  # already on top of base: a plain fast-forward
        else:
            new = self._rebase(tip, old, branch, base)
            new_branch_tip = new

        base_wt = self._checkout_of(base)
        if base_wt is not None:
            self._refuse_dirty(base_wt, old, new, f"base branch '{base}'")
        branch_wt = self._checkout_of(branch) if new_branch_tip else None
        if branch_wt is not None:
            self._refuse_dirty(branch_wt, tip, new, f"branch '{branch}'")

        if base_wt is not None:
            self._git(["merge", "--ff-only", "--no-autostash", "-q", new], base_wt)
        else:
            self._git(
                [
                    "update-ref",
                    "-m",
                    f"squadron: {how.value} {branch}",
                    "--",
                    _heads(base),
                    new,
                    old,
                ]
            )
        if new_branch_tip is not None:
            self._move_branch(branch, branch_wt, tip, new_branch_tip)
        return MergeResult(commit=new, strategy=how)

    def _checkout_of(self, branch: str) -> Path | None:
        wt = self.branch_worktree(branch)
        if wt is None or wt.bare or not wt.path.is_dir():
            return None
        return wt.path

    def _refuse_dirty(self, checkout: Path, old: str, new: str, what: str) -> None:
        dirty = self.dirty_files(checkout)
        if not dirty:
            return
        res = self._git(["diff", "--name-only", "-z", "--no-renames", old, new, "--"])
        touched = sorted(dirty & set(_split_z(res.out)))
        if touched:
            raise GitError(
                f"{what} is checked out in {checkout} with uncommitted changes to: "
                f"{_listing(touched)}; commit or stash them first"
            )

    def _rebase(self, tip: str, onto: str, branch: str, base: str) -> str:
        """Replay ``tip``'s commits onto ``onto`` in a throw-away detached worktree."""
        tmp = Path(tempfile.mkdtemp(prefix="squadron-rebase-"))
        wt = tmp / "wt"
        env = {"GIT_LFS_SKIP_SMUDGE": "1"}
        try:
            self._git(["worktree", "add", "--detach", "--", str(wt), tip], env=env)
            env.update(self._identity_env(wt))
            res = self._git(
                ["rebase", "--no-update-refs", "--no-autosquash", "--no-autostash", "-q", onto],
                wt,
                env=env,
                ok=(0, 1, 128),
            )
            if res.status != 0:
                conflicts = _split_z(
                    self._git(["diff", "--name-only", "-z", "--diff-filter=U"], wt).out
                )
                self._git(["rebase", "--abort"], wt, ok=(0, 1, 128))
                if conflicts:
                    raise MergeConflict(
                        conflicts,
                        f"rebasing '{branch}' onto '{base}' would conflict in: "
                        f"{_listing(conflicts)}",
                    )
                raise GitError(f"git rebase failed: {_meaningful(res.err)}", stderr=res.err)
            return self._git(["rev-parse", "--verify", "HEAD"], wt).text
        finally:
            self._git(["worktree", "remove", "--force", "--", str(wt)], ok=(0, 1, 128))
            shutil.rmtree(tmp, ignore_errors=True)
            self._git(["worktree", "prune"], ok=(0, 1, 128))

    def _move_branch(self, branch: str, checkout: Path | None, old: str, new: str) -> None:
        try:
            if checkout is not None:
                self._git(["reset", "-q", "--keep", new], checkout)
            else:
                self._git(["update-ref", "-m", "squadron: rebase", "--", _heads(branch), new, old])
        except GitError as exc:
            raise GitError(
                f"merged, but branch '{branch}' could not be moved to the rebased commits: {exc}"
            ) from exc


# --------------------------------------------------------------------------------------------
# parsers (pure)


def _is_oid(text: str) -> bool:
    return len(text) in (40, 64) and all(c in "0123456789abcdef" for c in text)


def _parse_worktrees(raw: bytes) -> list[Worktree]:
    result: list[Worktree] = []
    for record in raw.split(b"\0\0"):
        fields: dict[str, str] = {}
        for item in record.split(b"\0"):
            if not item:
                continue
            key, _, value = _decode(item).partition(" ")
            fields[key] = value
        if "worktree" not in fields:
            continue
        branch = fields.get("branch")
        result.append(
            Worktree(
                path=Path(fields["worktree"]),
                head=fields.get("HEAD"),
                branch=_short(branch) if branch else None,
                bare="bare" in fields,
                locked="locked" in fields,
                prunable="prunable" in fields,
            )
        )
    return result


def _parse_porcelain(raw: bytes) -> set[str]:
    """Paths from ``status --porcelain -z``: both sides of renames and copies."""
    paths: set[str] = set()
    items = raw.split(b"\0")
    i = 0
    while i < len(items):
        item = items[i]
        i += 1
        if len(item) < 4:
            continue
        paths.add(_decode(item[3:]))
        if item[:1] in (b"R", b"C") or item[1:2] in (b"R", b"C"):
            if i < len(items) and items[i]:
                paths.add(_decode(items[i]))
            i += 1
    return paths


def _parse_numstat(raw: bytes) -> list[FileStat]:
    """``diff --numstat -z``: ``A\\tR\\tpath\\0`` or, for renames, ``A\\tR\\t\\0old\\0new\\0``."""
    stats: list[FileStat] = []
    items = raw.split(b"\0")
    i = 0
    while i < len(items):
        head = items[i]
        i += 1
        if not head:
            continue
        added, removed, path = head.split(b"\t", 2)
        binary = added == b"-"
        old_path: str | None = None
        if path:
            name = _decode(path)
        else:
            old_path, name = _decode(items[i]), _decode(items[i + 1])
            i += 2
        stats.append(
            FileStat(
                path=name,
                added=0 if binary else int(added),
                removed=0 if binary else int(removed),
                binary=binary,
                old_path=old_path,
            )
        )
    return stats
