"""The release binary as linked: the libcurl functions Sources/CCurl overrides are the binary's
own. They apply only because the link resolves FoundationNetworking's calls to the project's
definitions ahead of libcurl's; a change of link order, of how SwiftPM links a C target, or of
the toolchain would drop them without a sound (the CA bundle would be parsed whole again, and
waiting for a model would burn a core). Their effects are tested too: test_e2e_trust.py and
test_e2e_process.py::test_waiting_for_the_model_costs_no_cpu."""

from __future__ import annotations

import re
import shutil
import subprocess

import pytest

import e2e_helpers as h

CCURL = h.REPO_ROOT / "Sources" / "CCurl"


def overrides() -> list[str]:
    """The libcurl functions the C target defines (its own o1_ functions aside)."""
    names = []
    for source in sorted(CCURL.glob("*.c")):
        names += re.findall(r"^[A-Za-z][\w \*]*?\b(curl_\w+)\([^;]*\)\s*\{", source.read_text(), re.M)
    return names


def test_the_overrides_are_found():
    assert set(overrides()) >= {"curl_easy_init", "curl_multi_setopt"}, overrides()


@pytest.mark.skipif(not shutil.which("nm"), reason="needs nm (binutils)")
def test_the_release_binary_defines_every_override():
    symbols = subprocess.run(["nm", str(h.proxy_binary())], capture_output=True, text=True, check=True).stdout
    for name in overrides():
        assert re.search(rf"^[0-9a-f]+ T {name}$", symbols, re.M), f"{name} is not the binary's own: libcurl's applies"
