"""Build the Venvdesk bundle with PyInstaller (what ``make bundle`` runs).

    python3 installer/build.py [--clean] [--skip-install]

1. Uses the repository's ``.venv`` (created with the Python running this script if it is
   missing) and installs Venvdesk into it with the ``bundle`` extra (PyInstaller).
2. Runs PyInstaller with ``installer/venvdesk.spec``: work files in ``build/pyinstaller/``,
   the one-folder app in ``dist/venvdesk/`` (and ``dist/Venvdesk.app`` on macOS).
3. On Linux, adds the menu entry (``venvdesk.desktop``), the icons and ``install-linux.sh`` to
   ``dist/venvdesk/``, and packs it as ``dist/venvdesk-<version>-linux-<arch>.tar.gz``.
4. Prints how long it took and how big the result is.

Windows and macOS installers are made from ``dist/`` by the scripts in ``installer/windows``
and ``installer/macos`` (see installer/README.md).
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import shutil
import subprocess
import sys
import tarfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
VENV = ROOT / ".venv"
SPEC = ROOT / "installer" / "venvdesk.spec"
DIST = ROOT / "dist"
WORK = ROOT / "build" / "pyinstaller"
APP_DIR = DIST / "venvdesk"
INSTALL_STAMP = VENV / ".bundle-installed"


def venv_python() -> Path:
    return VENV / ("Scripts/python.exe" if sys.platform == "win32" else "bin/python")


def running_in_venv() -> bool:
    return Path(sys.prefix).resolve() == VENV.resolve()


def project_version() -> str:
    text = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    match = re.search(r'^version\s*=\s*"([^"]+)"', text, re.MULTILINE)
    return match.group(1) if match else "0"


def human_size(size: int) -> str:
    for unit in ("bytes", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{size:.0f} {unit}" if unit == "bytes" else f"{size:.1f} {unit}"
        size /= 1024
    return ""


def folder_size(folder: Path) -> tuple[int, int]:
    """Bytes and number of files under ``folder`` (links not followed)."""
    total = count = 0
    for dirpath, _dirnames, filenames in os.walk(folder):
        for name in filenames:
            path = os.path.join(dirpath, name)
            if not os.path.islink(path):
                total += os.path.getsize(path)
                count += 1
    return total, count


def run(argv: list[str], **kwargs) -> None:
    print("+", " ".join(str(a) for a in argv), flush=True)
    subprocess.run([str(a) for a in argv], check=True, cwd=ROOT, **kwargs)


# --------------------------------------------------------------------------- steps


def ensure_venv_and_reexec(arguments: list[str]) -> None:
    """Continue inside .venv's Python (creating .venv first if needed)."""
    if running_in_venv():
        return
    if not venv_python().exists():
        run([sys.executable, "-m", "venv", VENV])
    os.execv(str(venv_python()), [str(venv_python()), str(Path(__file__).resolve()), *arguments])


def install_requirements(force: bool) -> None:
    """``pip install -e '.[bundle]'``, skipped while nothing it depends on changed."""
    pyproject = ROOT / "pyproject.toml"
    fresh = INSTALL_STAMP.exists() and INSTALL_STAMP.stat().st_mtime >= pyproject.stat().st_mtime
    try:
        import PyInstaller  # noqa: F401
    except ImportError:
        fresh = False
    if fresh and not force:
        print("PyInstaller is installed in .venv (pyproject.toml unchanged since): not reinstalling.")
        return
    env = {**os.environ, "PIP_DISABLE_PIP_VERSION_CHECK": "1"}
    run([sys.executable, "-m", "pip", "install", "--quiet", "-e", ".[bundle]"], env=env)
    INSTALL_STAMP.touch()


def run_pyinstaller(clean: bool) -> None:
    argv = [
        sys.executable, "-m", "PyInstaller",
        "--noconfirm",
        "--log-level", "WARN",
        "--distpath", DIST,
        "--workpath", WORK,
    ]
    if clean:
        argv.append("--clean")
    run([*argv, SPEC])


def add_linux_desktop_files() -> list[str]:
    """The menu entry, the icons and the install script, next to the program."""
    added = []
    shutil.copy2(ROOT / "installer" / "linux" / "venvdesk.desktop", APP_DIR / "venvdesk.desktop")
    shutil.copy2(ROOT / "installer" / "install-linux.sh", APP_DIR / "install-linux.sh")
    os.chmod(APP_DIR / "install-linux.sh", 0o755)
    added += ["venvdesk.desktop", "install-linux.sh"]

    hicolor = APP_DIR / "share" / "icons" / "hicolor"
    if hicolor.exists():
        shutil.rmtree(hicolor)
    pngs = sorted(
        (int(match.group(1)), path)
        for path in (ROOT / "resources" / "icons" / "app").glob("venvdesk-*.png")
        if (match := re.fullmatch(r"venvdesk-(\d+)\.png", path.name))
    )
    for size, path in pngs:
        target = hicolor / f"{size}x{size}" / "apps" / "venvdesk.png"
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(path, target)
    svg = ROOT / "resources" / "venvdesk.svg"
    if svg.is_file():
        target = hicolor / "scalable" / "apps" / "venvdesk.svg"
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(svg, target)
    if pngs:
        # One plain PNG too, for whoever installs the menu entry by hand.
        size, path = next(((s, p) for s, p in pngs if s == 256), pngs[-1])
        shutil.copy2(path, APP_DIR / "venvdesk.png")
        added.append(f"venvdesk.png ({size} px) and share/icons/hicolor/ ({len(pngs)} sizes)")
    elif svg.is_file():
        added.append("share/icons/hicolor/scalable (SVG only: no PNG icons in resources/icons/app)")
    else:
        added.append("no icon (resources/venvdesk.svg and resources/icons/app/*.png are missing)")
    return added


def make_tarball(version: str) -> Path:
    arch = platform.machine().lower() or "unknown"
    tarball = DIST / f"venvdesk-{version}-linux-{arch}.tar.gz"
    top = f"venvdesk-{version}"

    def anonymous(info: tarfile.TarInfo) -> tarfile.TarInfo:
        info.uid = info.gid = 0
        info.uname = info.gname = ""
        return info

    partial = tarball.with_name(tarball.name + ".part")
    with tarfile.open(partial, "w:gz", compresslevel=6) as archive:
        archive.add(APP_DIR, arcname=top, filter=anonymous)
    os.replace(partial, tarball)
    return tarball


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = argparse.ArgumentParser(description="Build the Venvdesk bundle with PyInstaller.")
    parser.add_argument("--clean", action="store_true", help="drop PyInstaller's cache and build/ first")
    parser.add_argument("--skip-install", action="store_true", help="do not pip install anything")
    parser.add_argument("--reinstall", action="store_true", help="pip install even if nothing changed")
    arguments = parser.parse_args(argv)

    ensure_venv_and_reexec(argv)
    started = time.monotonic()
    if not arguments.skip_install:
        install_requirements(force=arguments.reinstall)
    if arguments.clean and WORK.exists():
        shutil.rmtree(WORK)

    pyinstaller_started = time.monotonic()
    run_pyinstaller(arguments.clean)
    pyinstaller_seconds = time.monotonic() - pyinstaller_started

    version = project_version()
    lines = []
    tarball = None
    if sys.platform.startswith("linux"):
        lines += [f"added to {APP_DIR.relative_to(ROOT)}/: {item}" for item in add_linux_desktop_files()]
        tar_started = time.monotonic()
        tarball = make_tarball(version)
        lines.append(
            f"tarball: {tarball.relative_to(ROOT)}, {human_size(tarball.stat().st_size)}"
            f" (packed in {time.monotonic() - tar_started:.1f} s)"
        )

    size, files = folder_size(APP_DIR)
    program = APP_DIR / ("venvdesk.exe" if sys.platform == "win32" else "venvdesk")
    print()
    print(f"Venvdesk {version} bundle for {sys.platform}-{platform.machine()}, Python {platform.python_version()}")
    print(f"program: {program.relative_to(ROOT)}")
    if sys.platform == "darwin":
        print(f"app: {(DIST / 'Venvdesk.app').relative_to(ROOT)}")
    print(f"bundle size: {human_size(size)} in {files} files ({APP_DIR.relative_to(ROOT)}/)")
    for line in lines:
        print(line)
    print(f"build time: {time.monotonic() - started:.1f} s (PyInstaller {pyinstaller_seconds:.1f} s)")
    print(f"check it with: make bundle-test  (or: {program.relative_to(ROOT)} --self-test)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
