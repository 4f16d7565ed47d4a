"""resolve_workspace_path and walk_workspace_dir on real files, symlinks and a FIFO."""

from __future__ import annotations

import os

import pytest

from jupyterlab_dockerize.errors import BadRequest, WorkspaceForbidden, WorkspaceNotFound
from jupyterlab_dockerize.workspace import resolve_workspace_path, walk_workspace_dir


@pytest.fixture
def tree(tmp_path):
    """tmp/root (the Jupyter root), tmp/root-evil (a sibling sharing its prefix), tmp/outside."""
    root = tmp_path / "root"
    (root / "pkg" / "sub").mkdir(parents=True)
    (root / "pkg" / "a.py").write_text("a")
    (root / "pkg" / "sub" / "b.txt").write_text("b")
    (root / "pkg" / ".git").mkdir()
    (root / "pkg" / ".git" / "config").write_text("secret")
    (root / "pkg" / ".env").write_text("TOKEN=1")
    (root / "pkg" / "__pycache__").mkdir()
    (root / "pkg" / "__pycache__" / "a.pyc").write_bytes(b"\0")
    (root / "pkg" / ".ipynb_checkpoints").mkdir()
    (root / "pkg" / ".ipynb_checkpoints" / "n-checkpoint.ipynb").write_text("{}")
    (root / "evil").mkdir()
    (tmp_path / "root-evil").mkdir()
    (tmp_path / "root-evil" / "loot.txt").write_text("loot")
    (tmp_path / "outside").mkdir()
    (tmp_path / "outside" / "secret.txt").write_text("secret")
    return root


@pytest.mark.parametrize(
    "relative",
    ["..", "../..", "../outside/secret.txt", "../root-evil/loot.txt", "pkg/../../outside"],
)
def test_paths_leaving_the_root_are_forbidden(tree, relative):
    with pytest.raises(WorkspaceForbidden) as caught:
        resolve_workspace_path(tree, relative)
    assert caught.value.code == "outside_root"
    assert str(tree.parent) not in caught.value.message


@pytest.mark.parametrize(
    "relative", ["/etc/passwd", "", "a\\b", "a\nb", "a\0b", "a\tb", "C:/x", None, 3]
)
def test_malformed_paths_are_bad_requests(tree, relative):
    with pytest.raises(BadRequest):
        resolve_workspace_path(tree, relative)


def test_a_string_prefix_is_not_containment(tree):
    """/x/root-evil starts with /x/root but is not inside it, even reached through a symlink."""
    (tree / "evil" / "link").symlink_to(tree.parent / "root-evil")
    with pytest.raises(WorkspaceForbidden):
        resolve_workspace_path(tree, "evil/link/loot.txt")


def test_symlinks_out_of_the_root_are_refused(tree):
    (tree / "file-link").symlink_to(tree.parent / "outside" / "secret.txt")
    (tree / "dir-link").symlink_to(tree.parent / "outside")
    for relative in ("file-link", "dir-link", "dir-link/secret.txt"):
        with pytest.raises(WorkspaceForbidden) as caught:
            resolve_workspace_path(tree, relative)
        assert "outside" not in caught.value.message.replace("outside the Jupyter root", "")


def test_symlinks_inside_the_root_resolve(tree):
    (tree / "alias").symlink_to(tree / "pkg" / "a.py")
    assert resolve_workspace_path(tree, "alias") == (tree / "pkg" / "a.py").resolve()


def test_the_root_itself_may_be_reached_through_a_symlink(tmp_path, tree):
    (tmp_path / "root-link").symlink_to(tree)
    assert resolve_workspace_path(tmp_path / "root-link", "pkg/a.py").read_text() == "a"


def test_missing_paths_are_not_found(tree):
    with pytest.raises(WorkspaceNotFound):
        resolve_workspace_path(tree, "%2e%2e/etc/passwd")
    with pytest.raises(WorkspaceNotFound):
        resolve_workspace_path(tree, "pkg/nope.txt")


def test_special_files_are_refused(tree):
    os.mkfifo(tree / "pipe")
    with pytest.raises(WorkspaceForbidden) as caught:
        resolve_workspace_path(tree, "pipe")
    assert caught.value.code == "special_file"


def test_hidden_paths_are_refused(tree):
    for relative in ("pkg/.env", "pkg/.git/config", "pkg/__pycache__/a.pyc"):
        with pytest.raises(WorkspaceForbidden) as caught:
            resolve_workspace_path(tree, relative)
        assert caught.value.code == "hidden_path"


def test_walk_is_sorted_and_skips_hidden_caches_escapes_and_special_files(tree):
    os.mkfifo(tree / "pkg" / "pipe")
    (tree / "pkg" / "out-file").symlink_to(tree.parent / "outside" / "secret.txt")
    (tree / "pkg" / "out-dir").symlink_to(tree.parent / "outside")
    (tree / "pkg" / "evil-dir").symlink_to(tree.parent / "root-evil")
    (tree / "pkg" / "loop").symlink_to(tree / "pkg")
    (tree / "pkg" / "in-link").symlink_to(tree / "pkg" / "a.py")

    found = [(rel, f is None) for rel, f in walk_workspace_dir(tree, tree / "pkg")]

    assert found == [
        ("a.py", False),
        ("in-link", False),
        ("sub", True),
        ("sub/b.txt", False),
    ]
