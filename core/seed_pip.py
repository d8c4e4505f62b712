"""Install pip into a fresh environment straight from a wheel file.

This file is run *by the new environment's own Python* as a script
(``<env python> -I seed_pip.py <pip wheel>``), so it uses only the standard
library and must keep working on every Python the app can create environments
with (3.9+).  It does what pip itself does when installing a wheel: unpack it
into ``purelib``, write the console scripts ``pip``, ``pip3`` and ``pip3.X``,
mark the distribution with ``INSTALLER`` and ``REQUESTED``, and extend
``RECORD`` so that ``pip uninstall pip`` removes every file.  The result is indistinguishable from ``pip install pip-*.whl``: pip
can list, upgrade and uninstall itself.

Why not run pip to install pip?  Starting pip costs ~0.6 s before it does any
work; ensurepip (what ``python -m venv`` runs) costs ~2.5 s.  Unpacking costs
~0.1 s.  Byte-compiling (~0.4 s) is left to a separate ``compileall`` command
that the app queues right after, while the environment is already usable.

Faster still when the app has unpacked the wheel once (``<wheel>.unpacked``, a folder made by
``core.pip_wheels.unpack`` in the background next to the cached wheel, complete once it has its
name): the files are hard-linked from there (~15 ms for pip's ~500 files instead of ~200 ms of
unzipping and writing), as uv links from its cache.  A linked file is the same file as the unpacked
copy's; pip's upgrades and uninstalls remove files and write new ones, never edit one in place, so
the copy stays as it was.  A person editing one of pip's files in place in one environment edits it
in the others made from the same copy too (as with uv's links); each file is checked against the
wheel's size and date for it (the copy's files carry their date in the wheel), so a new environment
gets the wheel's file instead of an edited or missing one.  Files another user owns are copied, not
linked (they could change them), and so are all where links cannot be made (another disk).
``RECORD``, ``INSTALLER``, ``REQUESTED`` and the scripts are always new files of the environment's own.
"""

import base64
import calendar
import csv
import errno
import hashlib
import io
import os
import shutil
import sys
import sysconfig
import zipfile

SCRIPT_TEMPLATE = """#!{python}
# -*- coding: utf-8 -*-
import re
import sys
from pip._internal.cli.main import main
if __name__ == "__main__":
    sys.argv[0] = re.sub(r"(-script\\.pyw|\\.exe)?$", "", sys.argv[0])
    sys.exit(main())
"""


def _record_hash(data: bytes) -> str:
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=")
    return "sha256=" + digest.decode("ascii")


UNPACKED_SUFFIX = ".unpacked"


def safe_target(folder: str, name: str) -> str:
    """Where the wheel's member ``name`` goes under ``folder``; never outside it."""
    target = os.path.normpath(os.path.join(folder, name))
    if not target.startswith(os.path.normpath(folder) + os.sep):
        raise ValueError("refusing unsafe path in wheel: " + name)
    return target


def stamp(info: zipfile.ZipInfo) -> int:
    """The modification time the unpacked copy gives the wheel's member ``info``: its date in the wheel.

    A file of the copy edited since (in place, through a link in some environment) has another time,
    so :func:`extract` takes that file from the wheel instead of passing the edit on.
    """
    return calendar.timegm(info.date_time + (0, 0, 0))


def write_new(path: str, data: bytes) -> None:
    """Write ``path`` as a new file: one that exists (a link to the unpacked copy) is replaced, never written through."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    try:
        descriptor = os.open(path, flags, 0o666)
    except FileExistsError:
        os.unlink(path)
        descriptor = os.open(path, flags, 0o666)
    with os.fdopen(descriptor, "wb") as out:
        out.write(data)


def extract(wheel: zipfile.ZipFile, folder: str, unpacked: str = "", stamped: bool = False) -> None:
    """Put the wheel's files under ``folder``: linked (or copied) from ``unpacked`` where it has the
    same file (size and :func:`stamp`), unzipped otherwise.  A file rewritten afterwards is replaced
    (:func:`write_new`), never written through its link.  ``stamped``: give each file its
    :func:`stamp` (when making the unpacked copy)."""
    made = set()
    link = hasattr(os, "link")
    own = os.geteuid() if hasattr(os, "geteuid") else None
    for info in wheel.infolist():
        if info.filename.endswith("/"):
            continue
        target = safe_target(folder, info.filename)
        parent = os.path.dirname(target)
        if parent not in made:
            os.makedirs(parent, exist_ok=True)
            made.add(parent)
        if unpacked:
            source = safe_target(unpacked, info.filename)
            try:
                status = os.lstat(source)
                same = status.st_size == info.file_size and int(status.st_mtime) == stamp(info)
            except OSError:
                same = False
            # A link only to a file of one's own: a file another user owns could be changed by them
            # in every environment linked to it (root seeding from a person's cache, say).
            if same and link and (own is None or status.st_uid == own):
                try:
                    os.link(source, target)
                    continue
                except OSError as exc:
                    if exc.errno in (errno.EXDEV, errno.EPERM, errno.EMLINK, errno.ENOTSUP):
                        link = False  # another disk (or no links there): copy the rest
            if same:
                try:
                    shutil.copyfile(source, target)
                    continue
                except OSError:
                    pass  # gone since (a newer copy replaced it), or unreadable: the wheel has it
        write_new(target, wheel.read(info))
        if stamped:
            when = stamp(info)
            os.utime(target, (when, when))


def _relative(path: str, base: str) -> str:
    return os.path.relpath(path, base).replace(os.sep, "/")


def install_wheel(wheel_path: str) -> str:
    paths = sysconfig.get_paths()
    purelib = paths["purelib"]
    scripts = paths["scripts"]
    os.makedirs(purelib, exist_ok=True)
    os.makedirs(scripts, exist_ok=True)
    unpacked = wheel_path + UNPACKED_SUFFIX
    if not os.path.isdir(unpacked):
        unpacked = ""
    with zipfile.ZipFile(wheel_path) as wheel:
        dist_info = next(n.split("/")[0] for n in wheel.namelist() if n.split("/")[0].endswith(".dist-info"))
        extract(wheel, purelib, unpacked)
    dist_info_dir = os.path.join(purelib, dist_info)
    added: list[tuple[str, bytes]] = []

    def write(path: str, data: bytes) -> None:
        write_new(path, data)
        added.append((path, data))

    write(os.path.join(dist_info_dir, "INSTALLER"), b"pip\n")
    write(os.path.join(dist_info_dir, "REQUESTED"), b"")
    if os.name == "nt":
        # Windows needs .exe launchers, which only pip's own installer
        # writes: the caller falls back to ensurepip there.
        raise SystemExit("script launchers on Windows need pip's installer")
    script = SCRIPT_TEMPLATE.format(python=sys.executable).encode("utf-8")
    for script_name in ("pip", "pip3", "pip{}.{}".format(*sys.version_info[:2])):
        path = os.path.join(scripts, script_name)
        write(path, script)
        os.chmod(path, 0o755)

    record_path = os.path.join(dist_info_dir, "RECORD")
    with open(record_path, newline="", encoding="utf-8") as handle:
        rows = [row for row in csv.reader(handle) if row]
    for path, data in added:
        rows.append([_relative(path, purelib), _record_hash(data), str(len(data))])
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(rows)
    write_new(record_path, buffer.getvalue().encode("utf-8"))

    return dist_info[: -len(".dist-info")]


def main(argv: "list[str]") -> int:
    if len(argv) != 2:
        sys.stderr.write("usage: seed_pip.py <pip wheel>\n")
        return 2
    try:
        installed = install_wheel(argv[1])
    except ValueError as exc:
        sys.stderr.write(str(exc) + "\n")
        return 1
    sys.stdout.write("Installed {} from {}\n".format(installed.replace("-", " "), os.path.basename(argv[1])))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
