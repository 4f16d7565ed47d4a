"""The kernel a bundled notebook asks for: the image's own Python kernel.

A notebook saved on the author's machine names the author's kernel (say "accenv"). The image
has one Python kernel, ipykernel's "python3", so without a change JupyterLab asks the
colleague to pick a kernel and ``jupyter nbconvert --execute`` fails with NoSuchKernel.
``point_at_image_kernel`` rewrites only ``metadata.kernelspec`` of a Python notebook; cells,
outputs, ``metadata.language_info`` and the rest stay as they are, and so does the file's JSON
layout wherever it can be reproduced (nbformat writes indent 1, non-ASCII characters as they
are and a final newline). Notebooks of other languages (R, Julia, bash) are left alone.
"""

from __future__ import annotations

import json
from typing import Any

IMAGE_KERNEL_NAME = "python3"
IMAGE_KERNELSPEC = {
    "display_name": "Python 3 (ipykernel)",
    "language": "python",
    "name": IMAGE_KERNEL_NAME,
}
#: Bigger notebooks (outputs full of images) are bundled as they are, never parsed in memory.
MAX_REWRITE_BYTES = 64 * 1024 * 1024


def point_at_image_kernel(data: bytes) -> bytes | None:
    """The notebook with the image's kernel in its metadata, or None to keep it as it is
    (not a notebook, not Python, already "python3", or too big to rewrite)."""
    if len(data) > MAX_REWRITE_BYTES:
        return None
    try:
        text = data.decode("utf-8")
        notebook = json.loads(text)
    except (UnicodeDecodeError, ValueError, RecursionError):
        return None
    if not isinstance(notebook, dict):
        return None
    metadata = notebook.get("metadata")
    if not isinstance(metadata, dict):
        return None
    kernelspec = metadata.get("kernelspec")
    if not isinstance(kernelspec, dict) or kernelspec.get("name") == IMAGE_KERNEL_NAME:
        return None
    if not _is_python(kernelspec, metadata.get("language_info")):
        return None
    layout = _layout_of(text, notebook)
    kernelspec.update(IMAGE_KERNELSPEC)  # keeps the keys where the file had them
    return _dump(notebook, layout).encode("utf-8")


def _is_python(kernelspec: dict[str, Any], language_info: Any) -> bool:
    language = kernelspec.get("language")
    if isinstance(language, str) and language.strip():
        return language.strip().lower() == "python"
    if isinstance(language_info, dict) and isinstance(language_info.get("name"), str):
        return language_info["name"].strip().lower() == "python"
    name = kernelspec.get("name")
    return isinstance(name, str) and name.lower().startswith("python")


#: (indent, ensure_ascii, final newline, sort_keys): nbformat.writes' layout.
NBFORMAT_LAYOUT = (1, False, True, True)


def _layout_of(text: str, notebook: Any) -> tuple[int | None, bool, bool, bool]:
    """The json.dumps settings that give back ``text`` exactly, or nbformat's own."""
    lines = text.split("\n", 2)
    indent: int | None = None
    if len(lines) > 1 and lines[0].strip() == "{":
        spaces = len(lines[1]) - len(lines[1].lstrip(" "))
        indent = spaces or None
    ensure_ascii = text.isascii() and "\\u" in text
    layout = (indent, ensure_ascii, text.endswith("\n"), False)
    return layout if _dump(notebook, layout) == text else NBFORMAT_LAYOUT


def _dump(notebook: Any, layout: tuple[int | None, bool, bool, bool]) -> str:
    indent, ensure_ascii, newline, sort_keys = layout
    text = json.dumps(
        notebook,
        indent=indent,
        ensure_ascii=ensure_ascii,
        sort_keys=sort_keys,
        separators=(",", ": ") if indent is not None else None,
    )
    return text + "\n" if newline else text
