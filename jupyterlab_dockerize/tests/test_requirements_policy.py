"""The requirements parser: what it accepts is exactly what it rebuilds, and nothing it
accepts can carry a pip option, a path outside the bundle or an unpinned URL."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from jupyterlab_dockerize.errors import BadRequest
from jupyterlab_dockerize.requirements_policy import (
    PIN,
    VCS,
    VENDORED,
    WHEEL,
    RequirementRefused,
    RequirementsPolicy,
    parse_requirement,
    parse_requirements_text,
)

POLICY = RequirementsPolicy()
COMMIT = "ab" * 20
NAMES = st.from_regex(r"\A[A-Za-z0-9]([A-Za-z0-9._-]{0,20}[A-Za-z0-9])?\Z")
VERSIONS = st.from_regex(r"\A[0-9]{1,3}(\.[0-9]{1,3}){0,3}((a|b|rc)[0-9]{1,2})?(\.post[0-9])?\Z")


@given(NAMES, VERSIONS)
def test_every_pin_is_accepted_and_rebuilt_as_written(name, version):
    requirement = parse_requirement(f"{name}=={version}", POLICY)
    assert requirement.kind == PIN and requirement.line == f"{name}=={version}"
    assert parse_requirement(requirement.line, POLICY) == requirement


@given(st.text(max_size=80))
@settings(max_examples=500)
def test_whatever_is_accepted_is_one_harmless_argument(text):
    try:
        requirement = parse_requirement(text, POLICY)
    except RequirementRefused as refused:
        assert refused.reason and refused.action
        return
    line = requirement.line
    assert not line.startswith("-") and " -" not in line
    assert all(" " <= c <= "~" for c in line)
    assert "\\" not in line and "$" not in line and "%" not in line
    if requirement.kind == PIN:
        assert "==" in line and "@" not in line and "/" not in line
    elif requirement.kind == VCS:
        assert requirement.commit and len(requirement.commit) in (40, 64)
        assert not requirement.url.startswith("git+file")  # no root in this policy
    else:
        assert requirement.kind in (VENDORED, WHEEL)
        assert ".." not in line.split("/")


@given(st.sampled_from(["-r", "--find-links", "-e", "--index-url", "-c", "--hash"]), st.text())
def test_options_are_never_accepted_whatever_follows(option, rest):
    with pytest.raises(RequirementRefused):
        parse_requirement(f"{option} {rest}".strip(), POLICY)


@given(st.from_regex(r"\A[A-Za-z0-9._/-]{1,30}\Z"))
def test_vcs_urls_need_a_full_commit(ref):
    line = f"x @ git+https://example.org/p.git@{ref}"
    if len(ref) in (40, 64) and all(c in "0123456789abcdefABCDEF" for c in ref):
        assert parse_requirement(line, POLICY).kind == VCS
    else:
        with pytest.raises(RequirementRefused):
            parse_requirement(line, POLICY)


@given(st.lists(st.tuples(NAMES, VERSIONS), max_size=8, unique_by=lambda p: p[0].lower()))
def test_a_requirements_text_yields_its_pins_in_order(pairs):
    names = {name.lower().replace("_", "-").replace(".", "-") for name, _ in pairs}
    if len(names) != len(pairs):
        return  # two spellings of one project
    text = "# header\n" + "".join(f"{n}=={v}  # why\n\n" for n, v in pairs)
    found = parse_requirements_text(text, POLICY)
    assert [r.line for r in found] == [f"{n}=={v}" for n, v in pairs]


def test_never_refuses_vcs_and_a_text_names_the_bad_line():
    never = RequirementsPolicy(vcs_builds="never")
    with pytest.raises(RequirementRefused, match="vcs_builds"):
        parse_requirement(f"x @ git+https://example.org/p@{COMMIT}", never)
    with pytest.raises(BadRequest) as refused:
        parse_requirements_text("six==1.16.0\n--find-links /outside\n", POLICY)
    assert "line 2 of requirements.txt" in refused.value.message
    assert refused.value.code == "requirement_refused"
    with pytest.raises(BadRequest, match="again"):
        parse_requirements_text("six==1.16.0\nSix==1.15.0\n", POLICY)


def test_a_local_repository_must_lie_inside_the_root(tmp_path):
    (tmp_path / "root" / "repo").mkdir(parents=True)
    (tmp_path / "outside").mkdir()
    policy = RequirementsPolicy(root=str(tmp_path / "root"))
    inside = parse_requirement(f"x @ git+file://{tmp_path}/root/repo@{COMMIT}", policy)
    assert inside.local_repository == str((tmp_path / "root" / "repo").resolve())
    (tmp_path / "root" / "link").symlink_to(tmp_path / "outside")
    for path in (f"{tmp_path}/outside", f"{tmp_path}/root/link"):
        with pytest.raises(RequirementRefused, match="outside the Jupyter root"):
            parse_requirement(f"x @ git+file://{path}@{COMMIT}", policy)


def test_a_root_under_a_hidden_folder_is_fine_a_hidden_folder_inside_it_is_not(tmp_path):
    # JupyterLab started in ~/.cache/... (the real-world environment of the suite lives there).
    root = tmp_path / ".cache" / "work"
    (root / "repos" / "dz-git").mkdir(parents=True)
    (root / ".hidden" / "dz-git").mkdir(parents=True)
    policy = RequirementsPolicy(root=str(root))
    accepted = parse_requirement(f"x @ git+file://{root}/repos/dz-git@{COMMIT}", policy)
    assert accepted.local_repository == str((root / "repos" / "dz-git").resolve())
    with pytest.raises(RequirementRefused, match="hidden folder"):
        parse_requirement(f"x @ git+file://{root}/.hidden/dz-git@{COMMIT}", policy)
    for path in (f"{root}/repos/..", f"{root}/./repos"):
        with pytest.raises(RequirementRefused):
            parse_requirement(f"x @ git+file://{path}@{COMMIT}", policy)
