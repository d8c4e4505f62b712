"""Testing support shared by ``tests/`` and the app's ``--self-test`` (plain Python, no Qt).

Nothing here reaches the internet: pip is pointed at wheels written by hand and served on
127.0.0.1, with this machine's pip configuration and the person's app state set aside.

* :mod:`venvdesk_testing.wheels` -- valid pure-Python wheels written with :mod:`zipfile`
  (:func:`~venvdesk_testing.wheels.build_wheel`, :class:`~venvdesk_testing.wheels.PackageSpec`);
* :mod:`venvdesk_testing.index` -- an index folder on disk: PEP 503 / PEP 691 simple pages
  and PyPI's JSON API (:func:`~venvdesk_testing.index.build_index`);
* :mod:`venvdesk_testing.server` -- that folder served from a daemon thread
  (:class:`~venvdesk_testing.server.LocalIndexServer`);
* :mod:`venvdesk_testing.isolation` -- throw-away XDG folders for the app's state and a pip
  that ignores this machine's settings (:func:`~venvdesk_testing.isolation.isolate_state`,
  :func:`~venvdesk_testing.isolation.hermetic_pip_env`,
  :func:`~venvdesk_testing.isolation.hermetic_pip_args`);
* :mod:`venvdesk_testing.failing` -- an index of deliberately failing packages (a misspelt
  name's real neighbour, Requires-Python that excludes, a conflict, a source archive whose C
  extension needs a missing header, a wheel that fails on import…), for the failure
  explanations (:func:`~venvdesk_testing.failing.build_failing_index`).

The package ships with the app (the bundle's ``--self-test`` uses it), so it needs nothing
beyond the standard library and ``packaging``.
"""
