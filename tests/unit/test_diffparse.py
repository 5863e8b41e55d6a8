"""parse_diff over real `git diff` output (captured from git 2.x with default options)."""

from __future__ import annotations

import pytest

from squadron.core.diffparse import DiffLine, FileDiff, FileStatus, parse_diff, unquote_c_path

ADDED = """\
diff --git a/added.rs b/added.rs
new file mode 100755
index 0000000..3e75765
--- /dev/null
+++ b/added.rs
@@ -0,0 +1,2 @@
+fn main() {}
+// end
"""

DELETED = """\
diff --git a/gone.txt b/gone.txt
deleted file mode 100644
index ce01362..0000000
--- a/gone.txt
+++ /dev/null
@@ -1 +0,0 @@
-hello
"""

# git appends a tab to ---/+++ names that contain a space.
RENAMED_WITH_SPACES = """\
diff --git a/ren.txt b/ren amed.txt
similarity index 94%
rename from ren.txt
rename to ren amed.txt
index c4352f8..39b3a96 100644
--- a/ren.txt
+++ b/ren amed.txt\t
@@ -18,3 +18,4 @@ line 17
 line 18
 line 19
 line 20
+line 21
"""

RENAMED_QUOTED = """\
diff --git a/with space.txt "b/quote\\"d.txt"
similarity index 66%
rename from with space.txt
rename to "quote\\"d.txt"
index de98044..7be73ce 100644
--- a/with space.txt\t
+++ "b/quote\\"d.txt"
@@ -1,3 +1,3 @@
 a
-b
+B
 c
"""

RENAMED_ONLY = """\
diff --git a/old name.md b/new name.md
similarity index 100%
rename from old name.md
rename to new name.md
"""

BINARY = """\
diff --git a/bin.dat b/bin.dat
index 88768ef..3e3315e 100644
Binary files a/bin.dat and b/bin.dat differ
"""

BINARY_ADDED_WITH_SPACE = """\
diff --git a/new bin.png b/new bin.png
new file mode 100644
index 0000000..f9e371f
Binary files /dev/null and b/new bin.png differ
"""

BINARY_DELETED = """\
diff --git a/bin.dat b/bin.dat
deleted file mode 100644
index 3e3315e..0000000
Binary files a/bin.dat and /dev/null differ
"""

NO_NEWLINE = """\
diff --git a/nonl.txt b/nonl.txt
index ea0c8a8..bca70f3 100644
--- a/nonl.txt
+++ b/nonl.txt
@@ -1 +1 @@
-q
\\ No newline at end of file
+q
"""

QUOTED_NON_ASCII = """\
diff --git "a/t\\303\\251st.txt" "b/t\\303\\251st.txt"
index 3316fa0..a5e0b6e 100644
--- "a/t\\303\\251st.txt"
+++ "b/t\\303\\251st.txt"
@@ -1 +1 @@
-t\u00e9st
+t\u00e9st2
"""

QUOTED_ESCAPES = """\
diff --git "a/real\\ttab" "b/real\\ttab"
new file mode 100644
index 0000000..587be6b
--- /dev/null
+++ "b/real\\ttab"
@@ -0,0 +1 @@
+x
"""

SPACE_IN_PATH = """\
diff --git a/docs/my notes.txt b/docs/my notes.txt
index de98044..7be73ce 100644
--- a/docs/my notes.txt\t
+++ b/docs/my notes.txt\t
@@ -1,2 +1,2 @@
-a b
+a  b
 c
"""

MODE_ONLY = """\
diff --git a/run.sh b/run.sh
old mode 100644
new mode 100755
"""

EMPTY_ADDED = """\
diff --git a/empty.txt b/empty.txt
new file mode 100644
index 0000000..e69de29
"""

# Content lines that look like headers must stay content: the hunk counts decide.
LOOKALIKE_LINES = """\
diff --git a/notes.md b/notes.md
index 1111111..2222222 100644
--- a/notes.md
+++ b/notes.md
@@ -1,3 +1,3 @@
---- a/old
+++++ b/new
-diff --git a/x b/x
+@@ -1 +1 @@
 @@ keep
"""


def summary(f: FileDiff) -> tuple[str, str | None, str, int, int, int]:
    return (f.path, f.old_path, f.status.value, f.added, f.removed, len(f.hunks))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param(ADDED, ("added.rs", None, "added", 2, 0, 1), id="added"),
        pytest.param(DELETED, ("gone.txt", None, "deleted", 0, 1, 1), id="deleted"),
        pytest.param(
            RENAMED_WITH_SPACES, ("ren amed.txt", "ren.txt", "renamed", 1, 0, 1), id="renamed"
        ),
        pytest.param(
            RENAMED_QUOTED,
            ('quote"d.txt', "with space.txt", "renamed", 1, 1, 1),
            id="renamed-quoted",
        ),
        pytest.param(
            RENAMED_ONLY, ("new name.md", "old name.md", "renamed", 0, 0, 0), id="renamed-only"
        ),
        pytest.param(BINARY, ("bin.dat", None, "binary", 0, 0, 0), id="binary"),
        pytest.param(
            BINARY_ADDED_WITH_SPACE,
            ("new bin.png", None, "binary", 0, 0, 0),
            id="binary-added-space",
        ),
        pytest.param(BINARY_DELETED, ("bin.dat", None, "binary", 0, 0, 0), id="binary-deleted"),
        pytest.param(NO_NEWLINE, ("nonl.txt", None, "modified", 1, 1, 1), id="no-newline"),
        pytest.param(
            QUOTED_NON_ASCII, ("t\u00e9st.txt", None, "modified", 1, 1, 1), id="quoted-utf8"
        ),
        pytest.param(QUOTED_ESCAPES, ("real\ttab", None, "added", 1, 0, 1), id="quoted-tab"),
        pytest.param(
            SPACE_IN_PATH, ("docs/my notes.txt", None, "modified", 1, 1, 1), id="space-in-path"
        ),
        pytest.param(MODE_ONLY, ("run.sh", None, "modified", 0, 0, 0), id="mode-only"),
        pytest.param(EMPTY_ADDED, ("empty.txt", None, "added", 0, 0, 0), id="empty-added"),
        pytest.param(LOOKALIKE_LINES, ("notes.md", None, "modified", 2, 2, 1), id="lookalikes"),
    ],
)
def test_one_file(text: str, expected: tuple[str, str | None, str, int, int, int]) -> None:
    (file,) = parse_diff(text)
    assert summary(file) == expected


@pytest.mark.parametrize(
    ("text", "old_mode", "new_mode"),
    [
        (ADDED, None, "100755"),
        (DELETED, "100644", None),
        (BINARY_ADDED_WITH_SPACE, None, "100644"),
        (BINARY_DELETED, "100644", None),
        (MODE_ONLY, "100644", "100755"),
        (BINARY, None, None),
    ],
)
def test_modes(text: str, old_mode: str | None, new_mode: str | None) -> None:
    (file,) = parse_diff(text)
    assert (file.old_mode, file.new_mode) == (old_mode, new_mode)


@pytest.mark.parametrize("text", ["", "\n", "commit abc\nAuthor: x\n\n    message\n"])
def test_no_files(text: str) -> None:
    assert parse_diff(text) == []


def lines_of(file: FileDiff) -> list[tuple[str, str, int | None, int | None]]:
    return [(ln.kind, ln.text, ln.old_no, ln.new_no) for h in file.hunks for ln in h.lines]


def test_line_numbers_across_hunks() -> None:
    text = (
        "diff --git a/m.py b/m.py\n--- a/m.py\n+++ b/m.py\n"
        "@@ -3,4 +3,5 @@ def f():\n a\n-b\n+B\n+B2\n c\n d\n"
        "@@ -20,3 +21,2 @@ def g():\n x\n-y\n z\n"
    )
    (file,) = parse_diff(text)
    first, second = file.hunks
    assert (first.old_start, first.old_len, first.new_start, first.new_len) == (3, 4, 3, 5)
    assert first.header == "@@ -3,4 +3,5 @@ def f():"
    assert (second.old_start, second.old_len, second.new_start, second.new_len) == (20, 3, 21, 2)
    assert lines_of(file) == [
        (" ", "a", 3, 3),
        ("-", "b", 4, None),
        ("+", "B", None, 4),
        ("+", "B2", None, 5),
        (" ", "c", 5, 6),
        (" ", "d", 6, 7),
        (" ", "x", 20, 21),
        ("-", "y", 21, None),
        (" ", "z", 22, 22),
    ]


def test_no_newline_marker_is_its_own_line() -> None:
    (file,) = parse_diff(NO_NEWLINE)
    assert lines_of(file) == [
        ("-", "q", 1, None),
        ("\\", "No newline at end of file", None, None),
        ("+", "q", None, 1),
    ]


def test_lookalike_lines_stay_content() -> None:
    (file,) = parse_diff(LOOKALIKE_LINES)
    assert [(ln.kind, ln.text) for ln in file.hunks[0].lines] == [
        ("-", "--- a/old"),
        ("+", "++++ b/new"),
        ("-", "diff --git a/x b/x"),
        ("+", "@@ -1 +1 @@"),
        (" ", "@@ keep"),
    ]


def test_crlf_is_kept_in_text() -> None:
    text = "diff --git a/w.txt b/w.txt\n--- a/w.txt\n+++ b/w.txt\n@@ -1 +1 @@\n-a\r\n+b\r\n"
    (file,) = parse_diff(text)
    assert [ln.text for ln in file.hunks[0].lines] == ["a\r", "b\r"]


def test_several_files_keep_diff_order() -> None:
    files = parse_diff(ADDED + BINARY + DELETED + RENAMED_WITH_SPACES)
    assert [(f.path, f.status) for f in files] == [
        ("added.rs", FileStatus.ADDED),
        ("bin.dat", FileStatus.BINARY),
        ("gone.txt", FileStatus.DELETED),
        ("ren amed.txt", FileStatus.RENAMED),
    ]


@pytest.mark.parametrize(
    ("quoted", "path"),
    [
        ('"a/t\\303\\251st"', "a/t\u00e9st"),
        ('"tab\\there"', "tab\there"),
        ('"back\\\\slash"', "back\\slash"),
        ('"say \\"hi\\""', 'say "hi"'),
        ('"\\346\\227\\245\\346\\234\\254.txt"', "\u65e5\u672c.txt"),
        ("plain name", "plain name"),
        ('"bad \\377 byte"', "bad \ufffd byte"),
    ],
)
def test_unquote_c_path(quoted: str, path: str) -> None:
    assert unquote_c_path(quoted) == path


def synthetic(files: int, hunks: int, per_side: int, context: int) -> str:
    out: list[str] = []
    for f in range(files):
        out.append(f"diff --git a/dir/f{f}.py b/dir/f{f}.py\nindex 1..2 100644\n")
        out.append(f"--- a/dir/f{f}.py\n+++ b/dir/f{f}.py\n")
        for h in range(hunks):
            start = 1 + h * 100
            n = per_side + 2 * context
            out.append(f"@@ -{start},{n} +{start},{n} @@\n")
            out.extend(f" ctx {h} {k}\n" for k in range(context))
            out.extend(f"-old {f} {k}\n" for k in range(per_side))
            out.extend(f"+new {f} {k}\n" for k in range(per_side))
            out.extend(f" ctx {h} {k}\n" for k in range(context))
    return "".join(out)


def test_fifty_thousand_lines() -> None:
    # 1,000 files x 2 hunks x (10 removed + 10 added + 4 context) + headers = 54,000 lines.
    text = synthetic(files=1_000, hunks=2, per_side=10, context=2)
    assert text.count("\n") >= 50_000
    files = parse_diff(text)
    assert len(files) == 1_000
    assert sum(f.added for f in files) == 20_000
    assert sum(f.removed for f in files) == 20_000
    assert sum(len(h.lines) for f in files for h in f.hunks) == 48_000
    last = files[-1]
    assert last.path == "dir/f999.py"
    assert last.hunks[1].lines[-1] == DiffLine(" ", "ctx 1 1", 114, 114)
    assert last.hunks[1].lines[2] == DiffLine("-", "old 999 0", 103, None)
    assert last.hunks[1].lines[12] == DiffLine("+", "new 999 0", None, 103)
