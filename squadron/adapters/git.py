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
- :meth:`GitRepo.merge` merges the branch's commits only. To merge a task's pending work
  with nothing changed on refusal: :meth:`GitRepo.snapshot`, :meth:`GitRepo.plan_merge` on
  its commit, then :meth:`GitRepo.commit_snapshot`, :meth:`GitRepo.land` and
  :meth:`GitRepo.follow_rebase`.
- :meth:`GitRepo.remove_worktree` deletes untracked and ignored files too: ask
  :meth:`GitRepo.work_at_risk` what would be lost and keep it with :meth:`GitRepo.save_work`.
- Commits squadron makes (snapshots, pending work, merges) run no hooks.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import tempfile
from collections.abc import Iterable, Mapping, Sequence
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

from squadron.adapters.faults import fault_point
from squadron.adapters.locate import REPO_ENV_VARS, scrub_repo_environment

__all__ = [
    "IGNORED_LIMIT",
    "MIN_GIT_VERSION",
    "REPO_ENV_VARS",
    "FileStat",
    "Forecast",
    "GitError",
    "GitRepo",
    "MergeConflict",
    "MergePlan",
    "MergeResult",
    "MergeStrategy",
    "NotARepoError",
    "NothingToMerge",
    "SavedWork",
    "SizedPath",
    "Snapshot",
    "WorkAtRisk",
    "Worktree",
    "git_version",
    "human_size",
    "scrub_repo_environment",
    "totals",
]

MIN_GIT_VERSION = (2, 38, 0)
FALLBACK_NAME = "squadron"
FALLBACK_EMAIL = "squadron@localhost"
SNAPSHOT_MESSAGE = "squadron snapshot\n"
IGNORED_LIMIT = 50_000_000  # bytes of ignored files one save keeps (the rest is listed)
REBASE_PREFIX = "squadron-rebase-"

StrPath: TypeAlias = "str | os.PathLike[str]"

_GIT = Git()
_VERSION_RE = re.compile(r"(\d+)\.(\d+)(?:\.(\d+))?")
_REBASE_DIR_RE = re.compile(re.escape(REBASE_PREFIX) + r"(\d+)-")
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


class NothingToMerge(GitError):
    """Merging would change nothing: the base already holds everything the commit holds."""


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
class MergePlan:
    """A merge worked out in git objects only: no ref and no file has moved yet.

    :meth:`GitRepo.land` moves ``base`` from ``old`` to ``new``; for a rebase,
    :meth:`GitRepo.follow_rebase` then moves ``branch`` from ``tip`` to ``rebased``.
    """

    strategy: MergeStrategy
    base: str  # short name of the base branch
    branch: str  # short name of the branch merged ("" when a bare commit was planned)
    old: str  # the base's commit the plan was made against
    tip: str  # the commit that merges
    new: str  # what the base becomes
    rebased: str | None  # rebase only: the branch's new tip
    base_checkout: Path | None  # where the base branch is checked out, if anywhere


@dataclass(frozen=True)
class SizedPath:
    path: str
    size: int  # bytes (for a symbolic link: the link itself)


@dataclass(frozen=True)
class WorkAtRisk:
    """What removing a worktree and deleting some refs would lose (:meth:`GitRepo.work_at_risk`).

    ``heads`` are the commits that were examined (the worktree's HEAD first, if it has one,
    then the tips of the doomed refs); ``commits`` are those reachable from them that no other
    ref reaches. Files are paths in the worktree: ``changed`` tracked ones with staged or
    unstaged changes, ``untracked`` and ``ignored`` with their sizes.
    """

    heads: tuple[str, ...] = ()
    commits: tuple[str, ...] = ()
    changed: tuple[str, ...] = ()
    untracked: tuple[SizedPath, ...] = ()
    ignored: tuple[SizedPath, ...] = ()

    @property
    def uncommitted(self) -> int:
        return len(self.changed) + len(self.untracked)

    @property
    def has_files(self) -> bool:
        return bool(self.uncommitted or self.ignored)

    @property
    def empty(self) -> bool:
        return not (self.commits or self.has_files)

    def describe(self) -> str:
        """E.g. "2 uncommitted files, 3 ignored files (1.2 kB) and 1 commit on no other branch"."""
        parts = []
        if self.uncommitted:
            parts.append(_plural(self.uncommitted, "uncommitted file"))
        if self.ignored:
            size = human_size(sum(p.size for p in self.ignored))
            parts.append(f"{_plural(len(self.ignored), 'ignored file')} ({size})")
        if self.commits:
            parts.append(f"{_plural(len(self.commits), 'commit')} on no other branch")
        if not parts:
            return "nothing"
        return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]


@dataclass(frozen=True)
class SavedWork:
    """Where :meth:`GitRepo.save_work` put a worktree's work, and how to get it back."""

    ref: str
    commit: str
    ignored: tuple[SizedPath, ...]  # ignored files saved in the commit's tree
    skipped: tuple[SizedPath, ...]  # ignored files over the size bound: not saved
    restore: tuple[str, ...]  # shell commands that bring the work back as branches


@dataclass(frozen=True)
class Worktree:
    path: Path
    head: str | None
    branch: str | None  # short name ("main"), None when detached or bare
    bare: bool = False
    locked: bool = False
    prunable: bool = False


def human_size(size: int) -> str:
    """``999 B``, ``1.2 kB``, ``50.0 MB``, ``2.1 GB`` (decimal units)."""
    if size < 1000:
        return f"{size} B"
    value = float(size)
    for unit in ("kB", "MB", "GB", "TB"):
        value /= 1000
        if value < 1000 or unit == "TB":
            break
    return f"{value:.1f} {unit}"


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


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

    def ref_commit(self, ref: str) -> str | None:
        """The commit ``ref`` (a full name) points at; None when it does not exist."""
        return self._try_commit(ref) if ref.startswith("refs/") else None

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

    def delete_branch(self, name: str, expected: str | None = None) -> None:
        """Delete a local branch even if unmerged (save work first with :meth:`save_work`).

        With ``expected``, only while the branch still points there (GitError otherwise). A
        branch checked out in some worktree is never deleted (GitError).
        """
        if expected is not None and self._try_commit(_heads(name)) != expected:
            raise GitError(f"branch '{_short(name)}' moved; it was not deleted")
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

    def worktree_entry(self, path: StrPath) -> Worktree | None:
        """The registered worktree at ``path``, if any."""
        target = Path(path).expanduser().absolute().resolve()
        for wt in self.list_worktrees():
            if wt.path.resolve() == target:
                return wt
        return None

    def add_worktree(self, path: StrPath, branch: str, base: str) -> None:
        """Create ``path`` with new branch ``branch`` started from ``base``."""
        base_oid = self._base_commit(base)
        target = Path(path).expanduser().absolute()
        self._git(["worktree", "add", "--no-track", "-b", branch, "--", str(target), base_oid])

    def remove_worktree(
        self, path: StrPath, force_locked: bool = False, unregistered: bool = False
    ) -> None:
        """Remove a worktree and its files, even with uncommitted changes; prune stale ones.

        ``force_locked``: a locked worktree too (one `git worktree add` left "initializing").
        ``unregistered``: a folder at ``path`` that git does not know as a worktree is deleted
        as well (only for folders squadron itself had git make and nothing ran in)."""
        target = Path(path).expanduser().absolute()
        force = ["--force", "--force"] if force_locked else ["--force"]
        try:
            self._git(["worktree", "remove", *force, "--", str(target)])
        except GitError:
            if target.exists() and not (unregistered and self.worktree_entry(target) is None):
                raise
            if target.exists():
                shutil.rmtree(target)
        self._git(["worktree", "prune"])

    @staticmethod
    def worktree_link_broken(path: StrPath) -> bool:
        """``path`` is a linked worktree whose ``.git`` file points at a folder that is gone
        (the repository was moved): git commands in it fail until it is repaired."""
        link = Path(path) / ".git"
        try:
            text = link.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return False  # no link file (a main checkout, or not a worktree at all)
        if not text.startswith("gitdir:"):
            return False
        return not Path(text[len("gitdir:") :].strip()).is_dir()

    def repair_worktree(self, path: StrPath) -> None:
        """Point a moved worktree and this repository at each other again."""
        self._git(["worktree", "repair", "--", os.fspath(Path(path).absolute())])

    def ref_names(self, prefix: str) -> list[str]:
        """Full names of the refs under ``prefix`` (e.g. ``refs/squadron/``)."""
        res = self._git(["for-each-ref", "--format=%(refname)", "--", prefix])
        return [line for line in _decode(res.out).splitlines() if line]

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

    def snapshot(self, worktree: StrPath, message: str | None = None) -> Snapshot:
        """The worktree's full state as a tree and commit, leaving its index and files alone.

        ``message`` is the commit's message (default: "squadron snapshot").
        """
        text = (
            SNAPSHOT_MESSAGE.encode()
            if message is None
            else _message_bytes(message, "squadron: pending changes")
        )
        return self._snapshot(worktree, text)

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
        return head, head_tree, self._index_tree(wt, index, head)

    def _index_tree(
        self, wt: Path, index: Path, head: str | None, force_add: Sequence[str] = ()
    ) -> str:
        """The tree of everything in ``wt`` (plus the ignored paths ``force_add``), written
        through a temporary copy of its index: the worktree's own index and files are never
        touched."""
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
                self._git(["read-tree", head] if head else ["read-tree", "--empty"], wt, env=env)
                self._git(["add", "-A"], wt, env=env)
            if force_add:  # literal paths, no pathspec matching: linear in their number
                paths = b"".join(os.fsencode(path) + b"\0" for path in force_add)
                self._git(["update-index", "--add", "-z", "--stdin"], wt, env=env, input=paths)
            return self._git(["write-tree"], wt, env=env).text

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
        if self.current_branch(wt) is None:
            raise GitError(f"worktree is not on a branch: {wt}")
        return self.commit_snapshot(wt, self.snapshot(wt, message))

    def commit_snapshot(self, worktree: StrPath, snap: Snapshot) -> bool:
        """Move the worktree's branch from ``snap.head`` to ``snap.commit`` (compare-and-swap:
        GitError if it moved since), then re-read the index from HEAD (files are not touched).
        False when the snapshot was clean."""
        wt = Path(worktree).absolute()
        branch = self.current_branch(wt)
        if branch is None:
            raise GitError(f"worktree is not on a branch: {wt}")
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

    # -- keeping work ------------------------------------------------------------------------

    def work_at_risk(self, worktree: StrPath | None, doomed: Iterable[str] = ()) -> WorkAtRisk:
        """What removing ``worktree`` and deleting the refs ``doomed`` (full names) would lose.

        Judged by reachability, not by names: the commits reachable from the worktree's HEAD
        (whatever it is on: the task branch, a renamed or other branch, a detached HEAD) and
        from the doomed refs that no other ref under ``refs/`` reaches; plus the worktree's
        tracked changes, untracked files and ignored files, with sizes. ``worktree`` may be
        None or missing (then only the doomed refs' commits count). A HEAD on a branch deleted
        by hand falls back to the last commit in the worktree's own HEAD reflog.
        """
        doomed_refs = set(doomed)
        wt = _existing(worktree)
        head: str | None = None
        changed: list[str] = []
        untracked: list[SizedPath] = []
        ignored: list[SizedPath] = []
        if wt is not None:
            head, _ = self._inspect_worktree(wt)
            changed, new, skipped = self._status_all(wt)
            if head is not None and self.current_commit(wt) is None:
                changed = self._changed_since(wt, head)  # status compares with "no commit"
            untracked, ignored = _sized(wt, new), _sized(wt, skipped)
        heads = [head] if head else []
        for ref in sorted(doomed_refs):
            tip = self._try_commit(ref)
            if tip is not None and tip not in heads:
                heads.append(tip)
        commits = self._unreachable(heads, doomed_refs)
        return WorkAtRisk(
            heads=tuple(heads),
            commits=tuple(commits),
            changed=tuple(changed),
            untracked=tuple(untracked),
            ignored=tuple(ignored),
        )

    def save_work(
        self,
        ref: str,
        worktree: StrPath | None,
        keep: Sequence[str] = (),
        *,
        restore_as: str,
        message: str = "squadron: saved work",
        ignored_limit: int = IGNORED_LIMIT,
    ) -> SavedWork:
        """Keep everything under ``ref`` (a full name, e.g. ``refs/squadron/trash/t3``).

        The ref gets a commit whose first parent is the worktree's HEAD and whose tree holds
        its tracked, untracked and ignored files (ignored ones smallest first up to
        ``ignored_limit`` bytes in all; the rest is listed in ``skipped``, not saved), built
        through a temporary index: the worktree's index and files are not touched. Each commit
        of ``keep`` (e.g. a branch about to be deleted) that the HEAD does not reach becomes a
        further parent, and so does what ``ref`` held before: a second save never drops the
        first, and an identical one changes nothing. Without a worktree the first of ``keep``
        stands for its HEAD. ``restore`` holds the commands that bring the work back
        (``git branch <restore_as> <ref>``).
        """
        if not ref.startswith("refs/"):
            raise GitError(f"not a full ref name: '{ref}'")
        tips = [self._commitish(rev, "commit") for rev in keep]
        wt = _existing(worktree)
        chosen: list[SizedPath] = []
        skipped: list[SizedPath] = []
        if wt is not None:
            head, index = self._inspect_worktree(wt)
            _, _, ignored_paths = self._status_all(wt)
            chosen, skipped = _within(_sized(wt, ignored_paths), ignored_limit)
            tree = self._index_tree(wt, index, head, [p.path for p in chosen])
        elif tips:
            head = tips[0]
            tree = self._tree_of(head)
        else:
            raise GitError("nothing to save: no worktree and no commit")
        old = self._try_commit(ref)
        commit = self._save_commit(tree, head, tips, old, message, wt)
        if commit != old:
            self._git(["update-ref", "-m", message, "--", ref, commit, old or ""])
        restore = [f"git branch {_quote(restore_as)} {ref}"]
        if commit != head and commit not in tips:
            extra = self._parents(commit)[1:]
            restore += [
                f"git branch {_quote(f'{restore_as}-{n}')} {ref}^{n}"
                for n in range(2, len(extra) + 2)
            ]
        return SavedWork(ref, commit, tuple(chosen), tuple(skipped), tuple(restore))

    def _save_commit(
        self,
        tree: str,
        head: str | None,
        tips: Sequence[str],
        old: str | None,
        message: str,
        wt: Path | None,
    ) -> str:
        """``old`` when it already holds ``tree`` and every commit to keep; else ``head`` when
        that is all there is; else a new commit on them all."""
        needed = list(dict.fromkeys([*([head] if head else []), *tips]))
        if old is not None and self._tree_of(old) == tree and self._reaches([old], needed):
            return old
        parents: list[str] = []
        for commit in [*needed, *([old] if old else [])]:
            if not self._reaches(parents, [commit]):
                parents.append(commit)
        if head is not None and parents == [head] and self._tree_of(head) == tree:
            return head
        text = _message_bytes(message, "squadron: saved work")
        return self._commit_tree(tree, parents, text, wt)

    def contains_work(self, base: str, commit: str) -> bool:
        """True when ``base`` already holds everything ``commit`` changed: merging it would
        change nothing (merged, squash-merged, rebased, or the same change made there)."""
        base_oid = self._base_commit(base)
        oid = self._commitish(commit, "commit")
        if self._reaches([base_oid], [oid]):
            return True
        forecast = self.forecast_merge(base_oid, oid)
        return forecast.clean and forecast.tree == self._tree_of(base_oid)

    def same_tree(self, a: str, b: str) -> bool:
        """Whether two commits hold exactly the same files."""
        return self._tree_of(a) == self._tree_of(b)

    def branch_origin(self, branch: str) -> str | None:
        """The commit ``branch`` was created at, from its oldest reflog entry (None when the
        branch or its reflog is gone)."""
        res = self._git(["reflog", "show", "--format=%H", _heads(branch), "--"], ok=(0, 1, 128))
        lines = res.text.splitlines() if res.status == 0 else []
        return lines[-1] if lines and _is_oid(lines[-1]) else None

    def _inspect_worktree(self, wt: Path) -> tuple[str | None, Path]:
        """(HEAD's commit or None, index path) of ``wt``; GitError unless ``wt`` is the top of
        a worktree of this repository."""
        res = self._git(
            [
                "rev-parse",
                "--path-format=absolute",
                "--show-toplevel",
                "--git-common-dir",
                "--git-path",
                "index",
                "--git-path",
                "logs/HEAD",
            ],
            wt,
            ok=(0, 128),
        )
        lines = res.text.splitlines()
        ours = (
            res.status == 0
            and len(lines) == 4
            and Path(lines[0]).resolve() == wt.resolve()
            and Path(lines[1]).resolve() == self.common_dir.resolve()
        )
        if not ours:
            raise GitError(f"{wt} is not a worktree of {self.toplevel}")
        head = self.current_commit(wt)
        if head is None:
            head = self._last_reflog_commit(Path(lines[3]))
        return head, Path(lines[2])

    def current_commit(self, worktree: StrPath) -> str | None:
        """The commit checked out in ``worktree``; None when its HEAD names no commit."""
        found = self._git(
            ["rev-parse", "--verify", "--quiet", "HEAD^{commit}"], worktree, ok=(0, 1, 128)
        )
        return found.text if found.status == 0 and found.text else None

    def _changed_since(self, wt: Path, commit: str) -> list[str]:
        """Tracked paths whose staged or working-tree content differs from ``commit``."""
        paths: set[str] = set()
        for cached in (["--cached"], []):
            res = self._git(["diff-index", *cached, "--name-only", "-z", commit, "--"], wt)
            paths.update(_split_z(res.out))
        return sorted(paths)

    def _last_reflog_commit(self, log: Path) -> str | None:
        try:
            lines = log.read_text(encoding="utf-8", errors="replace").splitlines()
        except OSError:
            return None
        fields = lines[-1].split() if lines else []
        return self._try_commit(fields[1]) if len(fields) > 1 and _is_oid(fields[1]) else None

    def _status_all(self, wt: Path) -> tuple[list[str], list[str], list[str]]:
        """(changed tracked paths, untracked files, ignored files) of a worktree, one git call;
        files inside untracked and ignored folders are listed one by one."""
        res = self._git(
            [
                "--no-optional-locks",
                "status",
                "--porcelain",
                "-z",
                "--untracked-files=all",
                "--ignored=traditional",
            ],
            wt,
        )
        return _parse_status(res.out)

    def _unreachable(self, heads: Sequence[str], doomed: set[str]) -> list[str]:
        """Commits reachable from ``heads`` that no ref outside ``doomed`` reaches (the refs go
        through stdin: any number of them works)."""
        if not heads:
            return []
        res = self._git(
            [
                "for-each-ref",
                "--format=%(objecttype) %(objectname) %(*objecttype) %(*objectname) %(refname)",
            ]
        )
        lines = list(heads)
        for line in _decode(res.out).splitlines():
            kind, oid, peeled_kind, peeled, name = (line.split(" ", 4) + [""] * 5)[:5]
            if name in doomed:
                continue
            if kind == "commit":
                lines.append(f"^{oid}")
            elif peeled_kind == "commit":
                lines.append(f"^{peeled}")
        out = self._git(["rev-list", "--stdin"], input="\n".join(lines).encode() + b"\n")
        return out.text.split()

    def _reaches(self, tips: Sequence[str], commits: Sequence[str]) -> bool:
        """Whether every one of ``commits`` is one of ``tips`` or an ancestor of one."""
        for commit in commits:
            if commit in tips:
                continue
            if not any(
                self._git(["merge-base", "--is-ancestor", commit, tip], ok=(0, 1)).status == 0
                for tip in tips
            ):
                return False
        return True

    def _parents(self, commit: str) -> list[str]:
        return self._git(["rev-list", "--parents", "-n1", commit, "--"]).text.split()[1:]

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
        """True when deleting ``branch`` (and ``worktree``) would lose work not in ``base``.

        That is: uncommitted changes in the worktree, or commits whose changes are not in
        ``base`` yet. A branch merged with ``squash`` or ``rebase`` counts as merged: its
        commits are not in base, but merging it again would change nothing. (For what would
        be lost whatever the base holds, see :meth:`work_at_risk`.)
        """
        if worktree is not None and Path(worktree).is_dir() and self.dirty_files(worktree):
            return True
        return not self.contains_work(base, self._branch_commit(branch))

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

        :meth:`plan_merge`, then :meth:`land`, then :meth:`follow_rebase`. Commit pending work
        first (:meth:`commit_pending`): only the branch's commits merge. Raises MergeConflict
        or NothingToMerge or GitError (dirty base checkout in the way, ...); then nothing
        changed.
        """
        how = _strategy(strategy)
        base, branch = _short(base), _short(branch)
        if base == branch:
            raise GitError(f"cannot merge branch '{branch}' into itself")
        self._branch_commit(base, "base branch")
        plan = self.plan_merge(self._branch_commit(branch), base, how, message, branch=branch)
        result = self.land(plan)
        self.follow_rebase(plan)
        return result

    def plan_merge(
        self,
        commit: str,
        base: str,
        strategy: str | MergeStrategy = MergeStrategy.MERGE,
        message: str | None = None,
        branch: str = "",
    ) -> MergePlan:
        """Work out merging ``commit`` (e.g. a snapshot of a task's worktree) into the local
        branch ``base`` in objects only, checking everything that could refuse it: conflicts
        (MergeConflict), nothing to merge (NothingToMerge), uncommitted changes in the base's
        checkout to files the merge touches (GitError). No ref, index or file changes.

        ``branch`` names the work in messages; for ``rebase`` it is the branch that
        :meth:`follow_rebase` moves to the rebased commits.
        """
        how = _strategy(strategy)
        base = _short(base)
        branch = _short(branch)
        label = branch or commit
        old = self._branch_commit(base, "base branch")
        tip = self._commitish(commit, "commit")
        nothing = NothingToMerge(
            f"nothing to merge: '{label}' has no changes that are not in '{base}'"
        )
        if self._count(tip, old) == 0:
            raise nothing
        forecast = self.forecast_merge(old, tip)
        if not forecast.clean:
            raise MergeConflict(
                forecast.conflicts,
                f"merging '{label}' into '{base}' would conflict in: "
                f"{_listing(forecast.conflicts)}",
            )
        if forecast.tree is None or forecast.tree == self._tree_of(old):
            raise nothing
        checkout = self._checkout_of(base)
        if checkout is not None:  # before any commit is made; again for a rebase's own tree
            self._refuse_dirty(checkout, old, forecast.tree, f"base branch '{base}'")
        new, rebased = self._merged_commit(how, forecast.tree, old, tip, label, base, message)
        if checkout is not None and rebased is not None:
            self._refuse_dirty(checkout, old, new, f"base branch '{base}'")
        if rebased is not None and branch:
            branch_wt = self._checkout_of(branch)
            if branch_wt is not None and self._try_commit(_heads(branch)) == tip:
                self._refuse_dirty(branch_wt, tip, rebased, f"branch '{branch}'")
        return MergePlan(how, base, branch, old, tip, new, rebased, checkout)

    def _merged_commit(
        self,
        how: MergeStrategy,
        tree: str,
        old: str,
        tip: str,
        label: str,
        base: str,
        message: str | None,
    ) -> tuple[str, str | None]:
        """(what the base becomes, the rebased tip for ``rebase``); objects only."""
        if how is MergeStrategy.MERGE:
            text = _message_bytes(message or "", f"Merge branch '{label}' into {base}")
            return self._commit_tree(tree, [old, tip], text), None
        if how is MergeStrategy.SQUASH:
            text = _message_bytes(message or "", f"Squashed branch '{label}'")
            return self._commit_tree(tree, [old], text), None
        if self.merge_base(old, tip) == old:
            return tip, None  # already on top of base: a plain fast-forward
        rebased = self._rebase(tip, old, label, base)
        return rebased, rebased

    def land(self, plan: MergePlan) -> MergeResult:
        """Move the base branch from ``plan.old`` to ``plan.new``: a fast-forward of its
        checkout if it has one (never switching it), else a compare-and-swap of the ref.
        GitError, with nothing changed, if the base moved since the plan was made."""
        if self._branch_commit(plan.base, "base branch") != plan.old:
            raise GitError(f"base branch '{plan.base}' moved while merging; try again")
        if plan.base_checkout is not None:
            self._git(["merge", "--ff-only", "--no-autostash", "-q", plan.new], plan.base_checkout)
        else:
            self._git(
                [
                    "update-ref",
                    "-m",
                    f"squadron: {plan.strategy.value} {plan.branch or plan.tip[:10]}",
                    "--",
                    _heads(plan.base),
                    plan.new,
                    plan.old,
                ]
            )
        return MergeResult(commit=plan.new, strategy=plan.strategy)

    def follow_rebase(self, plan: MergePlan) -> None:
        """After a landed rebase, move the branch onto the rebased commits (its checkout
        follows with ``reset --keep``). Nothing to do for other strategies."""
        if plan.rebased is None or not plan.branch:
            return
        if self._try_commit(_heads(plan.branch)) != plan.tip:
            raise GitError(
                f"merged, but branch '{plan.branch}' moved meanwhile: it was not moved to the "
                f"rebased commits ({plan.rebased[:10]})"
            )
        self._move_branch(plan.branch, self._checkout_of(plan.branch), plan.tip, plan.rebased)

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
        """Replay ``tip``'s commits onto ``onto`` in a throw-away detached worktree.

        The worktree lives in a temporary folder named after this process; one left behind by
        a process that died is removed at the next call.
        """
        self.prune_rebase_leftovers()
        tmp = Path(tempfile.mkdtemp(prefix=f"{REBASE_PREFIX}{os.getpid()}-"))
        wt = tmp / "wt"
        env = {"GIT_LFS_SKIP_SMUDGE": "1"}
        try:
            self._git(["worktree", "add", "--detach", "--", str(wt), tip], env=env)
            fault_point("merge:rebasing")
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
            self._drop_worktree(wt)

    def prune_rebase_leftovers(self) -> list[Path]:
        """Remove the throw-away rebase worktrees of processes that are no longer running
        (killed mid-rebase); the paths removed."""
        removed = []
        for entry in self.list_worktrees():
            match = _REBASE_DIR_RE.match(entry.path.parent.name)
            if match is None or entry.path.name != "wt" or _pid_alive(int(match[1])):
                continue
            self._drop_worktree(entry.path)
            removed.append(entry.path)
        return removed

    def _drop_worktree(self, wt: Path) -> None:
        self._git(["worktree", "remove", "--force", "--", str(wt)], ok=(0, 1, 128))
        shutil.rmtree(wt.parent, ignore_errors=True)
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


def _strategy(strategy: str | MergeStrategy) -> MergeStrategy:
    try:
        return MergeStrategy(strategy)
    except ValueError:
        raise GitError(
            f"unknown merge strategy '{strategy}' (choose merge, squash or rebase)"
        ) from None


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


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


def _existing(worktree: StrPath | None) -> Path | None:
    if worktree is None:
        return None
    path = Path(worktree).expanduser().absolute()
    return path if path.is_dir() else None


def _sized(root: Path, paths: Iterable[str]) -> list[SizedPath]:
    """Paths with their sizes (``lstat``); paths gone meanwhile are left out."""
    result = []
    for path in paths:
        try:
            result.append(SizedPath(path, os.lstat(root / path).st_size))
        except OSError:
            continue
    return result


def _within(files: Sequence[SizedPath], limit: int) -> tuple[list[SizedPath], list[SizedPath]]:
    """(kept, skipped): the smallest files first, as many as fit in ``limit`` bytes."""
    kept: list[SizedPath] = []
    skipped: list[SizedPath] = []
    total = 0
    for item in sorted(files, key=lambda f: (f.size, f.path)):
        if total + item.size <= limit:
            kept.append(item)
            total += item.size
        else:
            skipped.append(item)
    return kept, sorted(skipped, key=lambda f: f.path)


def _quote(text: str) -> str:
    return shlex.quote(text)


def _parse_status(raw: bytes) -> tuple[list[str], list[str], list[str]]:
    """``status --porcelain -z --ignored``: (changed tracked paths, untracked, ignored)."""
    changed: list[str] = []
    untracked: list[str] = []
    ignored: list[str] = []
    items = raw.split(b"\0")
    i = 0
    while i < len(items):
        item = items[i]
        i += 1
        if len(item) < 4:
            continue
        code, path = item[:2], _decode(item[3:])
        if code == b"??":
            untracked.append(path)
        elif code == b"!!":
            ignored.append(path)
        else:
            changed.append(path)
            if b"R" in code or b"C" in code:
                i += 1  # the rename's or copy's source path
    return changed, untracked, ignored


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
