"""Environment capture, run silently inside the user's live kernel.

The server serves this file's text verbatim with one line appended, ``_dockerize_capture()``.
The kernel runs both; the call prints ONE line to stdout: ``__DOCKERIZE_SNAPSHOT__`` followed
by the EnvironmentSnapshot as JSON (src/core/environment/snapshot.ts is the other side of
the contract), or by ``{"error": "..."}`` when something unexpected happened. It never raises.

Rules for this file, since it runs in someone else's interpreter:
- standard library only, Python 3.8 syntax, no heavy imports (no importlib.metadata, no email);
- nothing at module level but this docstring and one function; every import and helper lives
  inside it, and the function deletes its own name when it ran as ``__main__`` (a kernel's
  namespace or a script), so the user's namespace is exactly as it was;
- read as little as possible: the METADATA header block only, small files, RECORD only when
  there is no top_level.txt.

The same text also runs wrapped as ``exec(compile(<text + call>, "<dockerize-capture>",
"exec"), {})``: then not even a passing name touches the user's namespace, and IPython has one
string token to transform instead of 400 lines (bench/capture.py measures both round trips).
"""


def _dockerize_capture(forget=None):
    """Print the marker line with the snapshot (or an error). Returns None, never raises."""
    import sys

    marker = "__DOCKERIZE_SNAPSHOT__"
    line = None
    try:
        import json
        import os
        import re
        import time

        started = time.perf_counter()

        separators = re.compile(r"[-_.]+")

        def norm(name):
            return separators.sub("-", name).lower()

        binary = os.O_RDONLY | getattr(os, "O_BINARY", 0)

        def read_bytes(path, limit=1 << 26, until=None):
            """Bytes of a file (os.open/os.read: half the cost of open() for small files), up to
            limit, or up to the first chunk holding `until`. None when it cannot be read."""
            try:
                descriptor = os.open(path, binary)
            except (OSError, ValueError):
                return None
            try:
                chunks = []
                size = 0
                while size < limit:
                    # small first read: most of these files are a few hundred bytes
                    chunk = os.read(descriptor, min(limit - size, 65536 if chunks else 8192))
                    if not chunk:
                        break
                    chunks.append(chunk)
                    size += len(chunk)
                    if until is not None and until in chunk:
                        break
                return b"".join(chunks)
            except OSError:  # a directory, a device that refuses reads
                return None
            finally:
                os.close(descriptor)

        def read_text(path, limit=1 << 26):
            data = read_bytes(path, limit)
            return None if data is None else data.decode("utf-8", "replace")

        header_field = re.compile(
            r"^(name|version|requires-dist)[ \t]*:[ \t]*(.*(?:\n[ \t].*)*)", re.M | re.I
        )
        folded = re.compile(r"\s*\n[ \t]+")

        def read_headers(path):
            """Name, Version and Requires-Dist of the header block (up to the first blank line)."""
            data = read_bytes(path, until=b"\n\n")
            if data is None:
                return None, None, None
            if b"\r" in data:
                data = data.replace(b"\r\n", b"\n")
            end = data.find(b"\n\n")
            header = (data if end < 0 else data[: end + 1]).decode("utf-8", "replace")
            name = version = None
            requires = []
            for key, value in header_field.findall(header):
                key = key.lower()
                value = (folded.sub(" ", value) if "\n" in value else value).strip()
                if key == "requires-dist":
                    requires.append(value)
                elif key == "name":
                    name = name or value
                else:
                    version = version or value
            return name, version, requires

        def egg_requires(path):
            """requires.txt of an egg-info, as Requires-Dist strings (like importlib.metadata)."""
            text = read_text(path)
            if not text:
                return []
            result = []
            section = ""
            for raw in text.splitlines():
                raw = raw.strip()
                if not raw or raw.startswith("#"):
                    continue
                if raw.startswith("[") and raw.endswith("]"):
                    section = raw[1:-1].strip()
                    continue
                extra, _, markers = section.partition(":")
                conditions = []
                if markers:
                    conditions.append("(" + markers + ")" if extra else markers)
                if extra:
                    conditions.append('extra == "' + extra + '"')
                space = " " if "@" in raw else ""
                result.append(raw + (space + "; " + " and ".join(conditions) if conditions else ""))
            return result

        module_suffix = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*)(\..*)?\.(py|pyc|so|pyd)$")
        not_packages = {
            "setup",
            "conftest",
            "noxfile",
            "tasks",
            "fabfile",
            "test",
            "tests",
            "doc",
            "docs",
            "example",
            "examples",
            "build",
            "dist",
        }

        def module_name(filename):
            match = module_suffix.match(filename)
            return match.group(1) if match else None

        def names_in_dir(directory):
            """Top-level packages and modules of a source directory (an editable's .pth path)."""
            found = set()
            try:
                with os.scandir(directory) as entries:
                    for entry in entries:
                        name = entry.name
                        if name.startswith(".") or name in ("__pycache__", "bin"):
                            continue
                        if entry.is_dir():
                            if name.isidentifier() and os.path.isfile(
                                os.path.join(entry.path, "__init__.py")
                            ):
                                found.add(name)
                        else:
                            module = module_name(name)
                            if module:
                                found.add(module)
            except OSError:
                return set()
            return {name for name in found if name not in not_packages}

        mapping_line = re.compile(r"^(MAPPING|NAMESPACES)\b[^=\n]*=(.*)$", re.M)
        mapping_key = re.compile(r"""['"]([A-Za-z_][\w.]*)['"]\s*:""")
        map_module = re.compile(r"""map_module\(\s*['"]([A-Za-z_][\w.]*)['"]""")

        def names_from_finder(path):
            """Keys of a setuptools __editable__ finder's MAPPING / NAMESPACES literal, or the
            modules an `editables` redirector maps."""
            text = read_text(path, 1 << 20) or ""
            found = set()
            for match in mapping_line.finditer(text):
                found.update(key.split(".")[0] for key in mapping_key.findall(match.group(2)))
            found.update(key.split(".")[0] for key in map_module.findall(text))
            return found

        def names_from_pth(location, pth):
            found = set()
            for raw in (read_text(os.path.join(location, pth), 1 << 16) or "").splitlines():
                raw = raw.strip()
                if not raw or raw.startswith("#"):
                    continue
                if raw.startswith(("import ", "import\t")):
                    for module in re.findall(r"import\s+([A-Za-z_]\w*)", raw):
                        candidate = os.path.join(location, module + ".py")
                        if os.path.isfile(candidate):
                            found |= names_from_finder(candidate)
                    continue
                found |= names_in_dir(os.path.join(location, raw))
            return found

        # One match per run of lines that share their first path component: RECORD lists a
        # package's files together, so this reads a 10,000-line RECORD in a few matches.
        record_runs = re.compile(r'^([^/\\,\n"]*)([/\\,])[^\n]*(?:\n\1[/\\,][^\n]*)*', re.M)

        def names_from_record(location, text, egg_files=False):
            """Top-level import names of the files a RECORD (or installed-files.txt) lists."""
            if egg_files:  # paths relative to the egg-info directory: keep those beside it
                text = "\n".join(
                    raw.strip()[3:] + "," for raw in text.splitlines() if raw.startswith("../")
                )
            elif '"' in text:  # quoted paths (commas in names): let csv read those lines
                import csv

                lines = []
                for raw in text.splitlines():
                    if raw.startswith('"'):
                        try:
                            raw = next(csv.reader([raw]))[0].replace("\n", "") + ","
                        except (csv.Error, StopIteration, IndexError):
                            continue
                    lines.append(raw)
                text = "\n".join(lines)
            text = text.replace("\r", "")
            names = set()
            pths = []
            finders = []
            for head, separator in set(record_runs.findall(text)):
                if separator != ",":  # a directory: *.dist-info, *.data, .. are no identifiers
                    if head.isidentifier() and head not in ("__pycache__", "bin", "Scripts"):
                        names.add(head)
                elif head.endswith(".pth"):
                    pths.append(head)
                elif head.startswith("__editable__"):
                    if head.endswith(".py"):
                        finders.append(head)
                else:
                    module = module_name(head)
                    if module:
                        names.add(module)
            if not names:
                # PEP 660 editable: the wheel holds only a .pth and maybe a finder module.
                for finder in sorted(finders):
                    names |= names_from_finder(os.path.join(location, finder))
                for pth in sorted(pths):
                    names |= names_from_pth(location, pth)
            return names

        def top_level(location, directory, is_egg):
            text = read_text(os.path.join(directory, "top_level.txt"))
            if text is not None:
                # "pkg/sub" lines (namespace parts) count as "pkg"; "x-stubs" is no import name
                names = {raw.strip().replace("\\", "/").split("/")[0] for raw in text.splitlines()}
                names = {name for name in names if name.isidentifier()}
                if names:
                    return names
            if is_egg:
                text = read_text(os.path.join(directory, "installed-files.txt"))
                return names_from_record(location, text, egg_files=True) if text else set()
            text = read_text(os.path.join(directory, "RECORD"))
            return names_from_record(location, text) if text else set()

        def direct_url(directory):
            text = read_text(os.path.join(directory, "direct_url.json"))
            if not text:
                return None
            try:
                value = json.loads(text)
            except ValueError:
                return None
            return value if isinstance(value, dict) and isinstance(value.get("url"), str) else None

        def distribution(location, entry, is_egg, dir_name, dir_version):
            directory = entry.path
            if entry.is_dir():
                metadata = os.path.join(directory, "PKG-INFO" if is_egg else "METADATA")
                single_file = False
            else:  # an old distutils *.egg-info file: it is the PKG-INFO itself
                metadata, single_file = directory, True
            name, version, requires = read_headers(metadata)
            if not name:
                name = dir_name.replace("_", "-")
            if not version:
                version = dir_version
            if not version:
                return None
            requires = requires or []
            if single_file:
                installer, url, names = None, None, set()
            else:
                if is_egg and not requires:
                    requires = egg_requires(os.path.join(directory, "requires.txt"))
                installer = (read_text(os.path.join(directory, "INSTALLER"), 4096) or "").strip()
                url = direct_url(directory)
                names = top_level(location, directory, is_egg)
            return {
                "name": norm(name),
                "displayName": name,
                "version": version,
                "installer": installer or None,
                "requires": requires,
                "topLevel": sorted(names),
                "directUrl": url,
                "location": location,
            }

        found = {}
        seen_dirs = set()
        seen_keys = set()
        for path_entry in list(sys.path):
            if not isinstance(path_entry, str):
                continue
            location = os.path.abspath(path_entry or ".")
            if location in seen_dirs:
                continue
            seen_dirs.add(location)
            try:
                with os.scandir(location) as scan:
                    entries = [
                        item for item in scan if item.name.endswith((".dist-info", ".egg-info"))
                    ]
            except OSError:
                continue
            entries.sort(key=lambda item: item.name)
            for entry in entries:
                is_egg = entry.name.endswith(".egg-info")
                stem = (
                    entry.name[: -len(".egg-info")] if is_egg else entry.name[: -len(".dist-info")]
                )
                dir_name, _, rest = stem.partition("-")
                dir_version = rest.split("-")[0] if is_egg else rest
                key = norm(dir_name)
                if key in seen_keys:
                    continue
                seen_keys.add(key)
                try:
                    record = distribution(location, entry, is_egg, dir_name, dir_version)
                except Exception:  # noqa: BLE001 - one odd distribution must not end the capture
                    record = None
                if record is not None and record["name"] not in found:
                    seen_keys.add(record["name"])
                    found[record["name"]] = record

        conda = None
        kind = "venv" if sys.prefix != getattr(sys, "base_prefix", sys.prefix) else "system"
        conda_meta = os.path.join(sys.prefix, "conda-meta")
        if os.path.isdir(conda_meta):
            kind = "conda"
            subdir_name = re.compile(
                r"^(noarch|(linux|osx|win|zos|emscripten|wasi|freebsd)-[A-Za-z0-9_]+)$"
            )
            early_field = re.compile(r'^\s*"(channel|schannel|subdir)":\s*"([^"]*)"', re.M)

            def channel_name(channel, subdir):
                """conda's canonical channel name: conda-forge, defaults, or a clean URL."""
                if "://" not in channel:
                    return channel.strip("/")
                scheme, _, rest = channel.partition("://")
                host, _, path = rest.partition("/")
                host = host.rpartition("@")[2].lower()  # never keep credentials
                parts = [part for part in path.split("/") if part]
                if len(parts) >= 2 and parts[0] == "t":  # anaconda.org token
                    parts = parts[2:]
                if parts and (parts[-1] == subdir or subdir_name.match(parts[-1])):
                    parts.pop()
                if host in ("conda.anaconda.org", "conda.anaconda.com") and parts:
                    return "/".join(parts)
                if host == "repo.anaconda.com" and parts[:1] == ["pkgs"]:
                    return "defaults"
                return scheme + "://" + host + ("/" + "/".join(parts) if parts else "")

            packages = []
            try:
                with os.scandir(conda_meta) as scan:
                    metas = sorted(item.name for item in scan if item.name.endswith(".json"))
            except OSError:
                metas = []
            for meta in metas:
                try:
                    parts = meta[: -len(".json")].rsplit("-", 2)
                    path = os.path.join(conda_meta, meta)
                    # conda and mamba write sorted keys: channel comes in the first lines, and
                    # the file name is conda's dist string name-version-build.
                    fields = dict(early_field.findall(read_text(path, 8192) or ""))
                    if len(parts) != 3 or not (fields.get("schannel") or fields.get("channel")):
                        body = json.loads(read_text(path) or "{}")
                        parts = [body.get("name"), body.get("version"), body.get("build")]
                        fields = {key: body.get(key) for key in ("channel", "schannel", "subdir")}
                    if not all(isinstance(part, str) and part for part in parts):
                        continue
                    channel = fields.get("schannel") or channel_name(
                        fields.get("channel") or "", fields.get("subdir") or ""
                    )
                    packages.append(
                        {
                            "name": parts[0],
                            "version": parts[1],
                            "build": parts[2],
                            "channel": channel,
                        }
                    )
                except Exception:  # noqa: BLE001, S112 - skip one unreadable record
                    continue
            conda = {"packages": sorted(packages, key=lambda package: package["name"])}

        import platform
        import sysconfig

        if hasattr(os, "uname"):
            uname = os.uname()
            system, machine = uname.sysname, uname.machine
        else:
            system, machine = platform.system(), platform.machine()

        snapshot = {
            "schemaVersion": 1,
            "python": {
                "implementation": platform.python_implementation(),
                "version": platform.python_version(),
            },
            "platform": {"system": system, "machine": machine, "tag": sysconfig.get_platform()},
            "prefix": sys.prefix,
            "basePrefix": getattr(sys, "base_prefix", sys.prefix),
            "kind": kind,
            "conda": conda,
            "distributions": [found[name] for name in sorted(found)],
            "captureMs": 0,
        }
        snapshot["captureMs"] = round((time.perf_counter() - started) * 1000, 3)
        line = json.dumps(snapshot, separators=(",", ":"))
    except BaseException as error:  # noqa: BLE001 - never raise into the user's kernel
        try:  # JSON by hand: the failure may be that nothing can be imported
            message = type(error).__name__ + ": " + str(error)
            escaped = "".join(
                char
                if " " <= char <= "~" and char not in '"\\'
                else f"\\u{min(ord(char), 0xFFFD):04x}"
                for char in message[:2000]
            )
            line = '{"error": "' + escaped + '"}'
        except BaseException:  # noqa: BLE001
            line = '{"error": "capture failed"}'
    try:
        sys.stdout.write(marker + line + "\n")
        sys.stdout.flush()
    except BaseException:  # noqa: BLE001, S110 - nowhere left to report to
        pass
    try:
        scope = globals()
        if forget is None:
            forget = scope.get("__name__") == "__main__"
        bound = getattr(scope.get("_dockerize_capture"), "__code__", None)
        if forget and bound is sys._getframe(0).f_code:  # only this very function
            del scope["_dockerize_capture"]
    except BaseException:  # noqa: BLE001, S110 - never raise into the user's kernel
        pass
