"""Keep a run away from the person's own state and from this machine's pip configuration.

* :func:`isolate_state` points the app's platformdirs folders (config, data, cache, state/log)
  into a throw-away folder: ``XDG_*_HOME`` on Linux (and on macOS with a recent platformdirs),
  ``WIN_PD_OVERRIDE_*`` for a recent platformdirs on Windows.  It must run before anything
  asks platformdirs for a folder.
* :func:`use_hermetic_pip` makes every pip started with that environment ignore this machine's
  pip settings (``/etc/pip.conf``, ``/etc/xdg/pip/pip.conf``, ``PIP_FIND_LINKS``, ...) and
  reach 127.0.0.1 without a proxy; :func:`hermetic_pip_args` adds the options that make one
  pip command use only a given index.
* :func:`hermetic_pip_env` and :func:`isolated_environment` do the same on a copy.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, MutableMapping
from pathlib import Path

__all__ = [
    "HERMETIC_PIP_VARIABLES",
    "STATE_FOLDERS",
    "hermetic_pip_args",
    "hermetic_pip_env",
    "isolate_state",
    "isolated_environment",
    "use_hermetic_pip",
]

# The platformdirs folders the app keeps state in, as <folder>/<name>.
STATE_FOLDERS = ("config", "data", "cache", "state")

# What a hermetic pip runs with; every other PIP_* variable is dropped.
HERMETIC_PIP_VARIABLES: Mapping[str, str] = {
    # The only switch that makes pip skip the *global* and *site* configuration files
    # (such as /etc/xdg/pip/pip.conf): --isolated alone does not.
    "PIP_CONFIG_FILE": os.devnull,
    "PIP_NO_CACHE_DIR": "1",
    "PIP_DISABLE_PIP_VERSION_CHECK": "1",
    "PIP_NO_INPUT": "1",
    "PYTHONUNBUFFERED": "1",
}

_LOCAL_HOSTS = ("127.0.0.1", "localhost")


def isolate_state(folder: Path, env: MutableMapping[str, str] | None = None) -> dict[str, Path]:
    """Point the app's state folders into *folder* (created), in *env* (default ``os.environ``).

    Returns the folders by name (``config``, ``data``, ``cache``, ``state``).  Whether they
    really moved depends on the platformdirs in use: check with ``core.storage``.
    """
    env = os.environ if env is None else env
    folders: dict[str, Path] = {}
    for name in STATE_FOLDERS:
        path = Path(folder) / name
        path.mkdir(parents=True, exist_ok=True)
        env[f"XDG_{name.upper()}_HOME"] = str(path)
        folders[name] = path
    env["WIN_PD_OVERRIDE_CSIDL_APPDATA"] = str(Path(folder) / "appdata")
    env["WIN_PD_OVERRIDE_CSIDL_LOCAL_APPDATA"] = str(Path(folder) / "localappdata")
    return folders


def use_hermetic_pip(env: MutableMapping[str, str] | None = None) -> None:
    """Make *env* (default ``os.environ``) one for a pip free of this machine's pip settings.

    Drops every ``PIP_*`` variable (whatever its case), then sets
    :data:`HERMETIC_PIP_VARIABLES` (no config files, no cache, no version check, no prompts,
    unbuffered output) and adds 127.0.0.1 and localhost to ``NO_PROXY`` / ``no_proxy``.
    ``PIP_INDEX_URL`` is left for the caller to set once the local index has a port.
    """
    env = os.environ if env is None else env
    for key in list(env):
        if key.upper().startswith("PIP_"):
            del env[key]
    env.update(HERMETIC_PIP_VARIABLES)
    for key in ("NO_PROXY", "no_proxy"):
        hosts = [host for host in env.get(key, "").split(",") if host.strip()]
        hosts += [host for host in _LOCAL_HOSTS if host not in hosts]
        env[key] = ",".join(hosts)


def hermetic_pip_env(base_env: Mapping[str, str] | None = None) -> dict[str, str]:
    """A copy of *base_env* (default ``os.environ``) changed by :func:`use_hermetic_pip`."""
    env = dict(os.environ if base_env is None else base_env)
    use_hermetic_pip(env)
    return env


def hermetic_pip_args(index_url: str) -> list[str]:
    """pip options that use only *index_url*.

    ``--isolated`` ignores ``PIP_*`` variables and the user's config file (the
    global/site files need :func:`hermetic_pip_env`).  Because it also ignores
    ``PIP_DISABLE_PIP_VERSION_CHECK``, the check is disabled here too: otherwise
    pip asks the index for ``/simple/pip/`` after every command.
    """
    return [
        "--isolated",
        "--no-cache-dir",
        "--disable-pip-version-check",
        "--index-url",
        index_url,
    ]


def isolated_environment(folder: Path, base_env: Mapping[str, str] | None = None) -> dict[str, str]:
    """A copy of *base_env* (default ``os.environ``) with state in *folder* and a hermetic pip."""
    env = dict(os.environ if base_env is None else base_env)
    isolate_state(folder, env)
    use_hermetic_pip(env)
    use_hermetic_uv(folder, env)
    return env


def use_hermetic_uv(folder: Path, env: MutableMapping[str, str]) -> None:
    """uv (the optional installer) free of this machine's uv settings: no configuration files, no
    ``UV_*`` variables, its cache in *folder* (uv keeps one always; ``--no-cache`` would be slower)."""
    for key in list(env):
        if key.upper().startswith("UV_"):
            del env[key]
    env["UV_NO_CONFIG"] = "1"
    env["UV_CACHE_DIR"] = str(folder / "uv-cache")
    env["UV_PYTHON_DOWNLOADS"] = "never"  # a Python is never fetched from the internet
