"""The warning before installing a pinned release much older than the environment's Python.

File lists as indexes give them (names, tags and upload times of real releases), and the local
index on 127.0.0.1 for the dates the app really reads (its upload times count from 2024-01-01).
"""

from __future__ import annotations

from datetime import date, datetime, timezone

import pytest

from core.compatibility import (
    PYTHON_RELEASE_DATES,
    as_date,
    classifiers_support_python,
    pinned_release,
    pinned_release_warning,
    python_release_date,
    release_date_of,
    release_files,
    too_old_for_python,
    wheel_supports_python,
)
from core.pypi import project_files

# requests 2.6.0 (2015-03-14), the Python tutorial's example: a py2.py3 wheel and an sdist.
REQUESTS_260 = [
    {"filename": "requests-2.6.0-py2.py3-none-any.whl", "upload-time": "2015-03-14T16:47:06.381402Z"},
    {"filename": "requests-2.6.0.tar.gz", "upload-time": "2015-03-14T16:47:15.785125Z"},
]
REQUESTS_260_CLASSIFIERS = [
    "Development Status :: 5 - Production/Stable",
    "Intended Audience :: Developers",
    "Natural Language :: English",
    "License :: OSI Approved :: Apache Software License",
    "Programming Language :: Python",
    "Programming Language :: Python :: 2.6",
    "Programming Language :: Python :: 2.7",
    "Programming Language :: Python :: 3",
    "Programming Language :: Python :: 3.3",
    "Programming Language :: Python :: 3.4",
]
# numpy 1.19.5 (2021-01-05) as far as cp39 goes: compiled wheels for CPython 3.9 only.
NUMPY_CP39_ONLY = [
    {"filename": "numpy-1.19.5-cp39-cp39-manylinux2010_x86_64.whl", "upload-time": "2021-01-05T18:03:37.083447Z"},
    {"filename": "numpy-1.19.5-cp39-cp39-win_amd64.whl", "upload-time": "2021-01-05T18:05:12.300000Z"},
    {"filename": "numpy-1.19.5-cp39-cp39-macosx_10_9_x86_64.whl", "upload-time": "2021-01-05T18:01:02.000000Z"},
    {"filename": "numpy-1.19.5.zip", "upload-time": "2021-01-05T18:10:00.000000Z"},
]
# cryptography 3.4 (2021-02-07): one abi3 wheel from CPython 3.6 on, for every later 3.x.
CRYPTOGRAPHY_ABI3 = [
    {"filename": "cryptography-3.4-cp36-abi3-manylinux2014_x86_64.whl", "upload-time": "2021-02-07T17:37:29Z"},
    {"filename": "cryptography-3.4.tar.gz", "upload-time": "2021-02-07T17:37:40Z"},
]


def test_python_release_dates():
    assert python_release_date((3, 8)) == date(2019, 10, 14)
    assert python_release_date((3, 9)) == date(2020, 10, 5)
    assert python_release_date((3, 10)) == date(2021, 10, 4)
    assert python_release_date((3, 11)) == date(2022, 10, 24)
    assert python_release_date((3, 12, 1)) == date(2023, 10, 2)
    assert python_release_date((3, 13, 0, "final", 0)[:3]) == date(2024, 10, 7)
    assert python_release_date((3, 14)) == date(2025, 10, 7)
    assert python_release_date((2, 7, 18)) == date(2010, 7, 3)
    assert python_release_date((3, 99)) is None
    assert python_release_date((3,)) is None
    # Every 3.x from 3.0 to 3.15 is there, each later than the one before.
    threes = [PYTHON_RELEASE_DATES[(3, minor)] for minor in range(16)]
    assert threes == sorted(threes)


def test_the_tutorial_example_on_python_312():
    warning = too_old_for_python("requests", "2.6.0", REQUESTS_260, None, (3, 12, 1), REQUESTS_260_CLASSIFIERS)
    assert warning == "requests 2.6.0 is from 2015, before Python 3.12; it may not work."
    # The classifiers are not always known (a mirror without the JSON API): the date decides.
    assert too_old_for_python("requests", "2.6.0", REQUESTS_260, None, (3, 12)) == warning
    # On the Python of its day it is fine.
    assert too_old_for_python("requests", "2.6.0", REQUESTS_260, None, (3, 4), REQUESTS_260_CLASSIFIERS) == ""
    assert too_old_for_python("requests", "2.6.0", REQUESTS_260, None, (2, 7), REQUESTS_260_CLASSIFIERS) == ""


def test_a_pure_wheel_says_nothing_about_the_version_the_date_does():
    pure = [{"filename": "tool-1.0-py3-none-any.whl", "upload-time": "2019-01-01T00:00:00Z"}]
    assert "before Python 3.8" in too_old_for_python("tool", "1.0", pure, None, (3, 8))
    assert too_old_for_python("tool", "1.0", pure, None, (3, 7)) == ""  # released after 3.7
    assert not wheel_supports_python("tool-1.0-py3-none-any.whl", (3, 12))
    assert not wheel_supports_python("tool-1.0-py2.py3-none-any.whl", (3, 12))


def test_a_classifier_for_this_python_or_a_newer_one_vouches_for_it():
    pure = [{"filename": "tool-1.0-py3-none-any.whl", "upload-time": "2023-09-20T00:00:00Z"}]
    assert too_old_for_python("tool", "1.0", pure, None, (3, 12)) != ""
    listed = ["Programming Language :: Python :: 3.11", "Programming Language :: Python :: 3.12"]
    assert too_old_for_python("tool", "1.0", pure, None, (3, 12), listed) == ""
    assert too_old_for_python("tool", "1.0", pure, None, (3, 12), ["Programming Language :: Python :: 3.13"]) == ""
    assert too_old_for_python("tool", "1.0", pure, None, (3, 12), ["Programming Language :: Python :: 3.11"]) != ""
    # "Python :: 3" and "3 :: Only" name no version.
    vague = ["Programming Language :: Python :: 3", "Programming Language :: Python :: 3 :: Only"]
    assert not classifiers_support_python(vague, (3, 12))
    assert too_old_for_python("tool", "1.0", pure, None, (3, 12), vague) != ""
    # A Python 2 classifier says nothing about Python 3.
    assert not classifiers_support_python(["Programming Language :: Python :: 2.7"], (3, 1))


def test_compiled_wheels_for_another_python_only():
    assert too_old_for_python("numpy", "1.19.5", NUMPY_CP39_ONLY, None, (3, 9)) == ""
    assert (
        too_old_for_python("numpy", "1.19.5", NUMPY_CP39_ONLY, None, (3, 12))
        == "numpy 1.19.5 is from 2021, before Python 3.12; it may not work."
    )
    # Released after 3.8 came out: the date says nothing against it.
    assert too_old_for_python("numpy", "1.19.5", NUMPY_CP39_ONLY, None, (3, 8)) == ""


def test_abi3_wheels_cover_every_later_python_3():
    assert wheel_supports_python(CRYPTOGRAPHY_ABI3[0]["filename"], (3, 12))
    assert wheel_supports_python(CRYPTOGRAPHY_ABI3[0]["filename"], (3, 6))
    assert not wheel_supports_python(CRYPTOGRAPHY_ABI3[0]["filename"], (3, 5))
    assert too_old_for_python("cryptography", "3.4", CRYPTOGRAPHY_ABI3, None, (3, 14)) == ""
    # A wheel built against a release candidate, before the final release: it names the version.
    early = [{"filename": "fast-2.0-cp312-cp312-manylinux_2_17_x86_64.whl", "upload-time": "2023-09-06T00:00:00Z"}]
    assert too_old_for_python("fast", "2.0", early, None, (3, 12)) == ""
    assert wheel_supports_python("thing-1.0-py312-none-any.whl", (3, 12))
    assert not wheel_supports_python("thing-1.0.tar.gz", (3, 12))
    assert not wheel_supports_python("not-a-wheel.whl", (3, 12))


def test_the_release_date_argument_and_unknown_dates():
    no_times = [{"filename": "requests-2.6.0-py2.py3-none-any.whl"}, {"filename": "requests-2.6.0.tar.gz"}]
    assert too_old_for_python("requests", "2.6.0", no_times, None, (3, 12)) == ""  # cannot tell
    for given in ("2015-03-14T16:47:06", date(2015, 3, 14), datetime(2015, 3, 14, tzinfo=timezone.utc)):
        assert "from 2015" in too_old_for_python("requests", "2.6.0", no_times, given, (3, 12))
    assert too_old_for_python("requests", "2.6.0", no_times, "not a date", (3, 12)) == ""
    assert too_old_for_python("requests", "2.6.0", REQUESTS_260, None, ()) == ""
    assert as_date("2015-03-14T16:47:06.381402Z") == date(2015, 3, 14)
    assert release_date_of(REQUESTS_260 + [{"filename": "x", "upload_time_iso_8601": "2014-01-01T00:00:00Z"}]) == date(
        2014, 1, 1
    )


def test_a_python_newer_than_the_table():
    old = [{"filename": "tool-1.0-py3-none-any.whl", "upload-time": "2020-01-01T00:00:00Z"}]
    assert too_old_for_python("tool", "1.0", old, None, (3, 17)) == "tool 1.0 is from 2020, before Python 3.17; it may not work."
    assert too_old_for_python("tool", "1.0", old, None, (4, 0)) == ""  # nothing known about 4.x


def test_release_files_picks_one_version():
    files = [
        {"filename": "requests-2.6.0-py2.py3-none-any.whl"},
        {"filename": "requests-2.6.0.tar.gz"},
        {"filename": "requests-2.6.1.tar.gz"},
        {"filename": "requests-2.6.1-py2.py3-none-any.whl"},
        {"filename": "requests-2.10.0.tar.gz"},
        {"filename": "garbage.txt"},
    ]
    assert [f["filename"] for f in release_files(files, "2.6.0")] == [
        "requests-2.6.0-py2.py3-none-any.whl",
        "requests-2.6.0.tar.gz",
    ]
    assert release_files(files, "not a version") == []


@pytest.mark.parametrize(
    "spec, expected",
    [
        ("requests==2.6.0", ("requests", "2.6.0")),
        ("  requests == 2.6.0  ", ("requests", "2.6.0")),
        ("requests[socks]==2.6.0", ("requests", "2.6.0")),
        ("Django==1.11.29; python_version < '3.8'", ("Django", "1.11.29")),
        ("requests>=2.6.0", None),
        ("requests==2.*", None),
        ("requests==2.6.0,!=2.6.1", None),
        ("requests~=2.6", None),
        ("requests===2.6.0", None),
        ("requests", None),
        ("requests @ https://example.invalid/requests-2.6.0.tar.gz", None),
        ("==2.6.0", None),
        ("", None),
    ],
)
def test_pinned_release(spec, expected):
    assert pinned_release(spec) == expected


def test_dates_from_the_local_index(local_index):
    """What the app reads: the index's file list with upload times (here from 2024-01-01 on)."""
    files = release_files(project_files(local_index.simple_url, "tinyapp"), "1.0")
    assert [f["filename"] for f in files] == ["tinyapp-1.0-py3-none-any.whl"]
    assert release_date_of(files) == date(2024, 1, 1)
    assert too_old_for_python("tinyapp", "1.0", files, None, (3, 12)) == ""  # after 3.12 came out
    assert (
        too_old_for_python("tinyapp", "1.0", files, None, (3, 13))
        == "tinyapp 1.0 is from 2024, before Python 3.13; it may not work."
    )


def test_pinned_release_warning_asks_the_index(local_index):
    url = local_index.simple_url
    assert pinned_release_warning(url, "tinyapp==1.0", (3, 13)) == (
        "tinyapp 1.0 is from 2024, before Python 3.13; it may not work."
    )
    assert pinned_release_warning(url, "TinyApp==1.0", (3, 12)) == ""
    assert pinned_release_warning(url, "tinyapp>=1.0", (3, 13)) == ""  # not a pin
    assert pinned_release_warning(url, "tinyapp==9.9", (3, 13)) == ""  # no such release: pip says so
    assert pinned_release_warning(url, "no-such-project==1.0", (3, 13)) == ""
    # The index cannot be reached: no warning (the install itself explains the network).
    assert pinned_release_warning("http://127.0.0.1:9/simple/", "tinyapp==1.0", (3, 13), timeout=5) == ""
