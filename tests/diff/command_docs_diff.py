#!/usr/bin/python3
r"""COMMAND INFO and COMMAND DOCS of every command redrock runs, compared byte for byte with a real
redis-server 7.0.15, in RESP2 and in RESP3; and the generated catalog compared with what that
redis-server describes.

Usage:
    command_docs_diff.py --redrock PATH --redis /usr/bin/redis-server [-v]

Checks, each a failure when it does not hold:
  * server/core/command_catalog_data.cc is exactly what scripts/gen_command_catalog.py makes from this
    redis-server (the catalog is Redis's, not edited by hand);
  * every name redrock's COMMAND LIST gives is one Redis has;
  * for each of them (plain commands and subcommands), COMMAND INFO <name> and COMMAND DOCS <name> are
    byte-identical to Redis's.
Redis keeps a container's subcommands in a hash table with a per-process seed, so their order differs
between any two Redis processes: a container's reply is compared with its subcommand entries sorted.
For a container redrock runs only some subcommands of (CLIENT, MEMORY), Redis's reply is compared with
its entries for the subcommands redrock does not have left out; each subcommand it does have is also
compared on its own. Such containers are listed in the output.

Exit status 0 only if everything matched; the last line is "N passed, M failed".
"""

import argparse
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import run_diff  # noqa: E402 (Server, Reader, Node)

ROOT = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))


def text(node):
    return run_diff.scalar_text(node).decode()


def header(kind, count):
    return kind + str(count).encode() + b"\r\n"


def canonical_info(node, keep=None):
    """A COMMAND INFO entry (10-element array) with its subcommand entries sorted (and filtered to `keep`)."""
    kids = node.children
    subs = kids[9]
    if not subs.children:
        return node.raw
    entries = [c for c in subs.children if keep is None or text(c.children[0]) in keep]
    entries = sorted(canonical_info(c) for c in entries)
    return node.header + b"\r\n" + b"".join(k.raw for k in kids[:9]) + header(subs.kind, len(entries)) + b"".join(
        entries)


def canonical_docs(node, keep=None):
    """A COMMAND DOCS map value with its 'subcommands' map sorted (and filtered to `keep`)."""
    kids = node.children
    out = b""
    for i in range(0, len(kids), 2):
        key, value = kids[i], kids[i + 1]
        if text(key) == "subcommands":
            pairs = [(kids_k, kids_v) for kids_k, kids_v in zip(value.children[0::2], value.children[1::2])
                     if keep is None or text(kids_k) in keep]
            body = sorted(k.raw + canonical_docs(v) for k, v in pairs)
            out += key.raw + header(value.kind, len(pairs)) + b"".join(body)
        else:
            out += key.raw + value.raw
    return node.header + b"\r\n" + out


def canonical_reply(name, node, is_docs, keep):
    """COMMAND INFO <name> is a one-element array; COMMAND DOCS <name> a one-pair map."""
    if node.kind == b"-" or not node.children:
        return node.raw
    if is_docs:
        return node.header + b"\r\n" + node.children[0].raw + canonical_docs(node.children[1], keep)
    return node.header + b"\r\n" + canonical_info(node.children[0], keep)


def reply(server, *args):
    server.send([a.encode() for a in args])
    return server.reader.read()


def check_catalog(redis):
    generated = subprocess.run([sys.executable, os.path.join(ROOT, "scripts", "gen_command_catalog.py"),
                                str(redis.port)], check=True, capture_output=True).stdout
    with open(os.path.join(ROOT, "server", "core", "command_catalog_data.cc"), "rb") as f:
        checked_in = f.read()
    return generated == checked_in


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--redrock", required=True)
    parser.add_argument("--redis", required=True)
    parser.add_argument("-v", action="store_true")
    opts = parser.parse_args()
    redis = run_diff.Server("redis", opts.redis)
    redrock = run_diff.Server("redrock", opts.redrock)
    passed = failed = 0
    problems = []
    try:
        redis.start()
        redrock.start()
        if check_catalog(redis):
            passed += 1
        else:
            failed += 1
            print("FAIL server/core/command_catalog_data.cc differs from scripts/gen_command_catalog.py's output "
                  "for this redis-server: regenerate it")
        ours = [text(n) for n in reply(redrock, "COMMAND", "LIST").children]
        theirs = {text(n) for n in reply(redis, "COMMAND", "LIST").children}
        unknown = sorted(set(ours) - theirs)
        if unknown:
            failed += 1
            print("FAIL redrock lists commands Redis 7.0.15 does not have:", " ".join(unknown))
        ours_set = set(ours)
        partial = []
        for protocol in (2, 3):
            for server in (redis, redrock):
                server.connect()
                if protocol == 3:
                    reply(server, "HELLO", "3")
            for name in sorted(ours):
                keep = None
                if "|" not in name:
                    redis_subs = {text(c.children[0]) for c in reply(redis, "COMMAND", "INFO", name)
                                  .children[0].children[9].children or []}
                    keep = {s for s in redis_subs if s in ours_set}
                    if keep != redis_subs and protocol == 2:
                        partial.append(f"{name} ({len(keep)} of {len(redis_subs)})")
                for sub, is_docs in (("INFO", False), ("DOCS", True)):
                    a = canonical_reply(name, reply(redis, "COMMAND", sub, name), is_docs, keep)
                    b = canonical_reply(name, reply(redrock, "COMMAND", sub, name), is_docs, keep)
                    if a == b:
                        passed += 1
                        if opts.v:
                            print(f"ok   RESP{protocol} COMMAND {sub} {name}")
                    else:
                        failed += 1
                        print(f"FAIL RESP{protocol} COMMAND {sub} {name}\n  redis:   {a[:600]!r}\n  redrock: {b[:600]!r}")
        print(f"{len(ours)} commands compared; containers redrock has only some subcommands of: "
              f"{', '.join(partial) or 'none'}")
    finally:
        for server in (redis, redrock):
            problem = server.cleanup()
            if problem:
                problems.append(problem)
    for p in problems:
        failed += 1
        print("FAIL", p)
    print(f"{passed} passed, {failed} failed")
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
