"""Venvdesk's plain-Python half: no Qt here (tests/test_core_has_no_qt.py checks it).

Everything that can be decided or computed without a window lives in this
package: finding interpreters, reading environments, building the argv of every
command the app runs, and the errors a person is shown.
"""
