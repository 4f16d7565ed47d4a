"""The Python twin of src/core/__tests__/imageReference.spec.ts.

Both read the same cases (Docker's reference_test.go and normalize_test.go, plus ours) from
src/core/__tests__/fixtures/image-references.json, messages included, so the server and
the frontend cannot drift apart. hypothesis is not installed here: the properties run on
seeded random references instead.
"""

from __future__ import annotations

import json
import random
import time
from pathlib import Path

import pytest

from jupyterlab_dockerize.image_reference import (
    ImageReference,
    InvalidImageReference,
    NormalizedImageReference,
    familiar_name,
    format_image_reference,
    normalize_image_reference,
    parse_image_reference,
    parse_normalized_image_reference,
)

FIXTURES = (
    Path(__file__).resolve().parents[2]
    / "src"
    / "core"
    / "__tests__"
    / "fixtures"
    / "image-references.json"
)
CASES = json.loads(FIXTURES.read_text(encoding="utf-8"))
FIELDS = {"domain": "domain", "path": "path", "tag": "tag", "digest": "digest"}


def _id(case: dict) -> str:
    text = case["input"]
    return repr(text if len(text) <= 60 else text[:60] + "...")


def _check(case: dict, parse) -> ImageReference | None:
    if "error" in case:
        with pytest.raises(InvalidImageReference) as caught:
            parse(case["input"])
        assert caught.value.kind == case["error"], case["source"]
        if "message" in case:
            assert str(caught.value) == case["message"]
        return None
    reference = parse(case["input"])
    for key in ("domain", "path", "tag", "digest"):
        if key in case:
            assert getattr(reference, key) == case[key], (key, case["source"])
    if case.get("latestImplied") is not None:
        assert reference.latest_implied == case["latestImplied"]
    return reference


@pytest.mark.parametrize("case", CASES["parse"], ids=_id)
def test_parse_cases(case: dict) -> None:
    reference = _check(case, parse_image_reference)
    if reference is not None:
        assert format_image_reference(reference) == case["input"]


@pytest.mark.parametrize("case", CASES["normalize"], ids=_id)
def test_normalize_cases(case: dict) -> None:
    reference = _check(case, parse_normalized_image_reference)
    if reference is not None and "familiar" in case:
        assert familiar_name(reference) == case["familiar"]


def test_fixture_counts() -> None:
    assert len(CASES["parse"]) >= 80
    assert len(CASES["normalize"]) >= 120


def test_invalid_image_reference_is_a_value_error() -> None:
    with pytest.raises(ValueError, match="must be lowercase"):
        parse_image_reference("Ubuntu")


def test_normalize_and_familiar_name() -> None:
    assert normalize_image_reference(parse_image_reference("ubuntu")) == NormalizedImageReference(
        domain="docker.io", path="library/ubuntu", tag="latest", digest=None, latest_implied=True
    )
    once = normalize_image_reference(parse_image_reference("index.docker.io/user/repo"))
    assert normalize_image_reference(once) == once
    assert familiar_name(once) == "user/repo"
    assert familiar_name(parse_image_reference("ubuntu:22.04")) == "ubuntu:22.04"
    assert familiar_name(parse_image_reference("ghcr.io/org/app:1")) == "ghcr.io/org/app:1"
    assert str(parse_image_reference("a:1")) == "a:1"
    with pytest.raises(InvalidImageReference) as caught:
        normalize_image_reference(ImageReference(None, "ubuntu; rm -rf /", None, None))
    assert caught.value.kind == "invalid-character"


@pytest.mark.parametrize("value", [None, 42, b"ubuntu", "", "a" * 100_000])
def test_never_anything_but_invalid_image_reference(value: object) -> None:
    with pytest.raises(InvalidImageReference):
        parse_image_reference(value)  # type: ignore[arg-type]
    with pytest.raises(InvalidImageReference):
        parse_normalized_image_reference(value)  # type: ignore[arg-type]


# ------------------------------------------------------------------- seeded properties

LOWER = "abcdefghijklmnopqrstuvwxyz0123456789"
TAG_CHARS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-"


def _alnum(rng: random.Random) -> str:
    return "".join(rng.choice(LOWER) for _ in range(rng.randint(1, 6)))


def _component(rng: random.Random) -> str:
    text = _alnum(rng)
    for _ in range(rng.randint(0, 3)):
        text += rng.choice([".", "_", "__", "-", "--", "---"]) + _alnum(rng)
    return text


def _host_label(rng: random.Random) -> str:
    middle = "".join(rng.choice("ab-Z9") for _ in range(rng.randint(0, 5)))
    return rng.choice("abcXYZ019") + middle + rng.choice("aZ9")


def _domain(rng: random.Random) -> str:
    host = rng.choice(
        [
            ".".join(_host_label(rng) for _ in range(rng.randint(2, 3))),
            "localhost",
            "[::1]",
            "[" + "".join(rng.choice("0123456789abcdefABCDEF:") for _ in range(8)) + "]",
        ]
    )
    return host + (f":{rng.randint(1, 65535)}" if rng.random() < 0.5 else "")


def _reference(rng: random.Random) -> ImageReference:
    tag = None
    if rng.random() < 0.5:
        tag = rng.choice(TAG_CHARS[:-2]) + "".join(
            rng.choice(TAG_CHARS) for _ in range(rng.randint(0, 127))
        )
    digest = None
    if rng.random() < 0.3:
        digest = "sha256:" + "".join(rng.choice("0123456789abcdef") for _ in range(64))
    return ImageReference(
        domain=_domain(rng) if rng.random() < 0.5 else None,
        path="/".join(_component(rng) for _ in range(rng.randint(1, 4))),
        tag=tag,
        digest=digest,
    )


def test_format_parse_round_trips() -> None:
    rng = random.Random(20240601)
    for _ in range(500):
        reference = _reference(rng)
        text = format_image_reference(reference)
        parsed = parse_image_reference(text)
        assert format_image_reference(parsed) == text
        if reference.domain is not None:
            assert parsed == reference


BAD = [" ", "\t", "\n", "\r", "\x00", "\x1b", "\x7f", "\u00a0", "\u2028", "\u3000"]
BAD += ['"', "'", "$", "`", "\\", ";", "|", "&"]


def _where(reference: ImageReference, at: int) -> str:
    """The part a character inserted at ``at`` lands in, and its position there."""
    name = len(reference.domain) + 1 if reference.domain else 0
    name += len(reference.path)
    if at <= name:
        return f"position {at + 1} of the name"
    tag = len(reference.tag) + 1 if reference.tag else 0
    if at <= name + tag:
        return f"position {at - name} of the tag"
    return f"position {at - name - tag} of the digest"


def test_bad_characters_are_refused_where_they_are() -> None:
    rng = random.Random(7)
    for _ in range(300):
        reference = _reference(rng)
        text = format_image_reference(reference)
        at = rng.randint(0, len(text))
        with pytest.raises(InvalidImageReference) as caught:
            parse_image_reference(text[:at] + rng.choice(BAD) + text[at:])
        assert caught.value.kind == "invalid-character"
        # Counted from the start of the part (tag, digest, name), as a form's field shows it.
        assert f"at {_where(reference, at)};" in str(caught.value)


def test_a_position_counts_from_the_start_of_its_part() -> None:
    cases = {
        "scrape:v1 2": "U+0020 at position 3 of the tag",
        "ubuntu 22.04": "U+0020 at position 7 of the name",
        "localhost:5000/app:a;b": "';' at position 2 of the tag",
        "app@sha256:ab cd": "U+0020 at position 10 of the digest",
        "[fe80::1%eth0]:5000/repo": "'%' at position 9 of the name",
    }
    for text, expected in cases.items():
        with pytest.raises(InvalidImageReference) as caught:
            parse_image_reference(text)
        assert expected in str(caught.value)


def test_uppercase_in_the_path_is_refused() -> None:
    rng = random.Random(11)
    for _ in range(300):
        reference = _reference(rng)
        at = rng.randint(0, len(reference.path))
        path = reference.path[:at] + rng.choice("ABCXYZ") + reference.path[at:]
        text = format_image_reference(
            ImageReference(reference.domain or "example.com", path, reference.tag, reference.digest)
        )
        with pytest.raises(InvalidImageReference):
            parse_image_reference(text)
        with pytest.raises(InvalidImageReference):
            parse_normalized_image_reference(text)


def test_random_text_never_raises_anything_else() -> None:
    rng = random.Random(3)
    alphabet = "aA0._-/:@[]$ \n`\"'%:::///@@@sha256fF\u00f1\U0001f600\ud800"
    for _ in range(3000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 40)))
        try:
            assert format_image_reference(parse_image_reference(text)) == text
        except InvalidImageReference as error:
            assert str(error)
        try:
            assert familiar_name(parse_normalized_image_reference(text))
        except InvalidImageReference:
            pass


def test_adversarial_input_stays_fast() -> None:
    start = time.perf_counter()
    for text in [
        "a" * 1023 + "!",
        "a-" * 511 + "/",
        ("a." * 200 + "a/") * 2 + "A",
        "[" + ":" * 1000,
        "a" + "__a" * 340 + ":",
        "a." * 511 + "-",
        "a/" * 511 + "A",
    ]:
        for parse in (parse_image_reference, parse_normalized_image_reference):
            with pytest.raises(InvalidImageReference):
                parse(text)
    assert time.perf_counter() - start < 1
