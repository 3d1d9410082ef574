"""Sanitizer reports of the servers the tests start, for the `make test SANITIZE=1` build.

There ctest sets ASAN_OPTIONS/UBSAN_OPTIONS (tests/CMakeLists.txt). Every server a test starts gets
log_path=<a directory of its own>/sanitizer added to ASAN_OPTIONS, so an AddressSanitizer or LeakSanitizer
report lands in sanitizer.<pid> there even when the server is killed, and the test fails when one is found
(reports()). GCC's UBSan runtime ignores log_path and writes to stderr, so the server's own output is
searched for its reports too. A binary built without sanitizers ignores these variables.
"""

import glob
import os
import re

LOG_PREFIX = "sanitizer"
REPORT_CHARS = 8000  # of each report in a failure message: enough for the first stacks
# The first line of a report in a process's output: UBSan's "file:line:col: runtime error: ...", or an
# ASan/LSan/TSan "==pid==ERROR: ...Sanitizer" / "WARNING: ...Sanitizer" line.
REPORT_START = re.compile(rb"^.*(: runtime error: |==\d+==(ERROR|WARNING): \w*Sanitizer)", re.MULTILINE)


def server_env(log_dir, base=None):
    """The environment for a server whose AddressSanitizer reports are to be written under log_dir."""
    env = dict(os.environ if base is None else base)
    log_path = os.path.join(log_dir, LOG_PREFIX)
    options = env.get("ASAN_OPTIONS", "")
    env["ASAN_OPTIONS"] = f"{options}:log_path={log_path}" if options else f"log_path={log_path}"
    return env


def _read(path):
    try:
        with open(path, "rb") as f:
            return f.read()
    except OSError as e:
        return f"(unreadable: {e})".encode()


def reports(log_dir, output_paths=()):
    """Every sanitizer report under log_dir or in the given output files, as one text ('' when none)."""
    texts = []
    for path in sorted(glob.glob(os.path.join(log_dir, LOG_PREFIX + ".*"))):
        text = _read(path)
        texts.append(f"--- {os.path.basename(path)}\n{text[:REPORT_CHARS].decode(errors='replace')}")
    for path in output_paths:
        text = _read(path)
        match = REPORT_START.search(text)
        if match:
            report = text[match.start():match.start() + REPORT_CHARS]
            texts.append(f"--- in {os.path.basename(path)}\n{report.decode(errors='replace')}")
    return "\n".join(texts)
