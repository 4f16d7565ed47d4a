"""Re-executes one notebook inside a built image; run there as ``python3 -u -c <this text>
<options as JSON>`` by notebook_run.py.

It reports on stdout, one line per event, each ``__DOCKERIZE_NOTEBOOK__`` followed by JSON:
``start`` (the kernel, and every code cell with its saved outputs), ``running`` (a cell
starts), ``cell`` (a cell ended: status, seconds, produced outputs), ``alive`` (every few
seconds, so the server's log stream never sits idle), and ``end`` (how the run ended), or
``error`` when it cannot run at all (no nbclient, no kernel, no notebook). Anything else on
stdout (the kernel's own prints) is moved to stderr, so the protocol lines stay whole.

Rules for this file, since it runs in the image's interpreter: the standard library plus
nbformat, nbclient and jupyter_client (jupyter_server brings them), imported inside
``main`` so their absence is reported; Python 3.8 syntax.
"""

import asyncio
import json
import os
import sys
import threading
import time

MARKER = "__DOCKERIZE_NOTEBOOK__"


def main(argv):
    options = json.loads(argv[1])
    # The protocol gets stdout to itself: the kernel (a child process) and any print of
    # this interpreter write to stderr instead.
    protocol = os.fdopen(os.dup(1), "w", encoding="utf-8")
    os.dup2(2, 1)
    lock = threading.Lock()

    def send(event):
        line = MARKER + json.dumps(event, separators=(",", ":"), default=str) + "\n"
        with lock:
            protocol.write(line)
            protocol.flush()

    def keep_alive():
        while True:
            time.sleep(options.get("heartbeat", 10))
            send({"event": "alive"})

    threading.Thread(target=keep_alive, daemon=True).start()
    try:
        run(options, send)
    except Exception as error:  # noqa: BLE001 - reported, never a traceback alone
        send({"event": "error", "code": "runner_failed", "message": describe(error)})
    protocol.flush()


def describe(error):
    text = str(error).strip().splitlines()
    first = text[0][:500] if text else ""
    return f"{type(error).__name__}: {first}"


def cells_of(notebook):
    """The code cells, as (index, cell) pairs, of an nbformat v4 notebook (a plain dict)."""
    cells = notebook.get("cells") if isinstance(notebook, dict) else None
    if not isinstance(cells, list):
        return []
    return [
        (index, cell)
        for index, cell in enumerate(cells)
        if isinstance(cell, dict) and cell.get("cell_type") == "code"
    ]


def text_of(source):
    return "".join(source) if isinstance(source, list) else str(source or "")


def tags_of(cell):
    tags = (cell.get("metadata") or {}).get("tags") or []
    return [str(tag) for tag in tags] if isinstance(tags, list) else []


def size_of(outputs):
    return len(json.dumps(outputs, separators=(",", ":"), default=str))


def run(options, send):
    path = options["path"]
    budget = [int(options.get("maxOutputBytes", 8 * 1024 * 1024))]
    dropped = set()

    def within_budget(index, outputs):
        """The outputs, or [] (and the cell marked dropped) once the budget is spent."""
        if index in dropped:
            return []
        size = size_of(outputs)
        if size > budget[0]:
            dropped.add(index)
            return []
        budget[0] -= size
        return outputs

    try:
        with open(path, encoding="utf-8") as handle:
            raw = json.load(handle)
    except FileNotFoundError:
        send(
            {
                "event": "error",
                "code": "notebook_missing",
                "message": f"The image has no {path}: was the Dockerfile's COPY of notebooks/ "
                "changed?",
            }
        )
        return
    except (OSError, ValueError) as error:
        message = f"The notebook {path} cannot be read: {describe(error)}"
        send({"event": "error", "code": "notebook_unreadable", "message": message})
        return

    try:
        import nbformat
        from nbclient import NotebookClient
        from nbclient.exceptions import CellTimeoutError, DeadKernelError
    except ImportError as error:
        send(start_event(raw, "", "", within_budget, dropped))
        send(
            {
                "event": "error",
                "code": "no_nbclient",
                "message": "The image has no nbclient/nbformat to run notebooks "
                f"({describe(error)}): install jupyter_server (it brings them) or nbclient "
                "and ipykernel in the image.",
            }
        )
        return

    notebook = nbformat.reads(json.dumps(raw), as_version=4)
    wanted = str((notebook.metadata.get("kernelspec") or {}).get("name") or "")
    kernel, note = choose_kernel(wanted)
    send(start_event(notebook, kernel, note, within_budget, dropped))
    if not kernel:
        send(
            {
                "event": "error",
                "code": "no_kernel",
                "message": "The image has no Python kernel to run the notebook: install "
                "ipykernel in the image.",
            }
        )
        return

    client = NotebookClient(
        notebook,
        timeout=options["cellTimeout"],
        kernel_name=kernel,
        allow_errors=True,
        shutdown_kernel="immediate",
        skip_cells_with_tag="",
        resources={"metadata": {"path": options.get("cwd") or os.getcwd()}},
    )
    ending = {"event": "end", "status": "completed", "code": "", "message": ""}

    def stop(status, code, message):
        ending.update(status=status, code=code, message=message)

    async def execute():
        finished = False
        try:
            async with client.async_setup_kernel():
                for index, cell in cells_of(notebook):
                    send({"event": "running", "index": index, "at": time.time()})
                    cell.outputs = []
                    started = time.monotonic()
                    status, failure = "ok", None
                    try:
                        await client.async_execute_cell(cell, index)
                    except CellTimeoutError:
                        status = "timeout"
                    except DeadKernelError:
                        status = "died"
                    except Exception as error:  # noqa: BLE001 - nbclient itself failed
                        status, failure = "died", error
                    seconds = time.monotonic() - started
                    outputs = json.loads(json.dumps(cell.get("outputs") or [], default=str))
                    if status == "ok" and any(o.get("output_type") == "error" for o in outputs):
                        status = "error"
                    send(
                        {
                            "event": "cell",
                            "index": index,
                            "status": status,
                            "seconds": round(seconds, 3),
                            "produced": within_budget(index, outputs),
                            "dropped": index in dropped,
                        }
                    )
                    if status == "timeout":
                        limit = options["cellTimeout"]
                        stop(
                            "timeout",
                            "cell_timeout",
                            f"A cell ran longer than its limit of {limit:g} s.",
                        )
                        break
                    if failure is not None:
                        stop(
                            "failed", "runner_failed", "Running a cell failed: " + describe(failure)
                        )
                        break
                    if status == "died":
                        stop(
                            "failed",
                            "kernel_died",
                            "The kernel died while a cell ran (out of memory?).",
                        )
                        break
                finished = True
        except Exception as error:  # noqa: BLE001 - the kernel did not start (or stop)
            if not finished and ending["status"] == "completed":
                stop(
                    "failed",
                    "kernel_failed",
                    f"The kernel {kernel} failed: {describe(error)}",
                )

    asyncio.run(execute())
    send(ending)


def start_event(notebook, kernel, note, within_budget, dropped):
    cells = []
    for index, cell in cells_of(notebook):
        saved = within_budget(index, list(cell.get("outputs") or []))
        cells.append(
            {
                "index": index,
                "source": text_of(cell.get("source")),
                "tags": tags_of(cell),
                "saved": json.loads(json.dumps(saved, default=str)),
                "dropped": index in dropped,
            }
        )
    return {"event": "start", "kernel": kernel, "kernelNote": note, "cells": cells}


def choose_kernel(wanted):
    """The notebook's own kernel when the image has it, else python3; (name, note)."""
    try:
        from jupyter_client.kernelspec import KernelSpecManager

        found = KernelSpecManager().find_kernel_specs()
    except Exception:  # noqa: BLE001 - no kernelspecs at all
        found = {}
    if wanted and wanted in found:
        return wanted, ""
    if "python3" in found:
        if wanted and wanted != "python3":
            return (
                "python3",
                f"The notebook asks for the kernel '{wanted}', which the image does not have: it "
                "runs with python3.",
            )
        return "python3", ""
    return "", ""


if __name__ == "__main__":
    main(sys.argv)
