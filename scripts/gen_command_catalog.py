#!/usr/bin/env python3
"""Regenerates server/core/command_catalog_data.cc, the one source of redrock's command table.

It asks a running stock redis-server 7.0.15 for COMMAND (every command's arity, flags, legacy key
positions, ACL categories, tips, key specs and subcommands) and COMMAND DOCS (summary, since, group,
complexity, doc flags, deprecation, history and the argument tree), and writes them out as constant
tables. Handlers are bound to these entries by name (CommandTable::Bind); nothing about a command's
shape is typed by hand.

    redis-server --port 23456 --save "" --daemonize yes
    python3 scripts/gen_command_catalog.py 23456 > server/core/command_catalog_data.cc

Standard library only.
"""
import socket
import sys

PORT = int(sys.argv[1]) if len(sys.argv) > 1 else 23456


class Conn:
    def __init__(self, port):
        self.sock = socket.create_connection(("127.0.0.1", port))
        self.file = self.sock.makefile("rb")

    def call(self, *args):
        out = b"*%d\r\n" % len(args)
        for a in args:
            a = a.encode() if isinstance(a, str) else a
            out += b"$%d\r\n%s\r\n" % (len(a), a)
        self.sock.sendall(out)
        return self.read()

    def read(self):
        line = self.file.readline()[:-2]
        kind, rest = line[:1], line[1:]
        if kind == b"+":
            return rest.decode()
        if kind == b"-":
            raise RuntimeError(rest.decode())
        if kind == b":":
            return int(rest)
        if kind == b"$":
            n = int(rest)
            if n < 0:
                return None
            return self.file.read(n + 2)[:-2].decode()
        if kind == b"*":
            n = int(rest)
            return None if n < 0 else [self.read() for _ in range(n)]
        raise RuntimeError("unexpected reply: %r" % line)


def pairs(flat):
    return dict(zip(flat[0::2], flat[1::2])) if flat else {}


def c_str(s):
    if s is None:
        return "nullptr"
    out = '"'
    for ch in s:
        if ch in '\\"':
            out += "\\" + ch
        elif ch == "\n":
            out += "\\n"
        elif ord(ch) < 0x20 or ord(ch) > 0x7e:
            out += "".join("\\x%02x" % b for b in ch.encode()) + '""'
        else:
            out += ch
    return out + '"'


# Redis's COMMAND INFO flag names -> redrock's CommandFlag constants (server/core/command_table.h).
FLAG_BITS = {
    "write": "kCmdWrite", "readonly": "kCmdReadOnly", "denyoom": "kCmdDenyOom", "admin": "kCmdAdmin",
    "pubsub": "kCmdPubSub", "noscript": "kCmdNoScript", "blocking": "kCmdBlocking", "loading": "kCmdLoading",
    "stale": "kCmdStale", "skip_monitor": "kCmdSkipMonitor", "skip_slowlog": "kCmdSkipSlowlog",
    "asking": "kCmdAsking", "fast": "kCmdFast", "no_auth": "kCmdNoAuth", "no_mandatory_keys": "kCmdNoMandatoryKeys",
    "no_async_loading": "kCmdNoAsyncLoading", "no_multi": "kCmdNoMulti", "movablekeys": "kCmdMovableKeys",
    "allow_busy": "kCmdAllowBusy",
}
ARG_FLAG_BITS = {"optional": "kArgOptional", "multiple": "kArgMultiple", "multiple_token": "kArgMultipleToken"}
DOC_FLAG_BITS = {"deprecated": "kDocDeprecated", "syscmd": "kDocSyscmd"}


def bits(names, table):
    for n in names:
        if n not in table:
            raise RuntimeError("unknown flag %r" % n)
    return " | ".join(table[n] for n in names) if names else "0"


commands = []   # rows of the command table, in the order written
args_rows = []  # the argument tree, flattened: children of one argument are contiguous
key_specs = []
history = []


def add_args(arg_list):
    """Appends an argument list (and, after it, each child list); returns (first, count)."""
    first = len(args_rows)
    rows = []
    for a in arg_list:
        a = pairs(a)
        row = {
            "name": a["name"], "type": a["type"], "key_spec_index": a.get("key_spec_index", -1),
            "token": a.get("token"), "summary": a.get("summary"), "since": a.get("since"),
            "deprecated_since": a.get("deprecated_since"), "flags": a.get("flags", []),
            "children": a.get("arguments"),
        }
        known = {"name", "type", "key_spec_index", "token", "summary", "since", "deprecated_since",
                 "flags", "arguments"}
        extra = set(a) - known
        if extra:
            raise RuntimeError("argument field(s) not modelled: %s" % sorted(extra))
        rows.append(row)
        args_rows.append(row)
    for row in rows:
        if row["children"] is not None:
            row["first_child"], row["num_children"] = add_args(row["children"])
        else:
            row["first_child"], row["num_children"] = 0, 0
    return first, len(rows)


def add_key_specs(specs):
    first = len(key_specs)
    for ks in specs:
        ks = pairs(ks)
        bs, fk = pairs(ks["begin_search"]), pairs(ks["find_keys"])
        bss, fks = pairs(bs["spec"]), pairs(fk["spec"])
        row = {"notes": ks.get("notes"), "flags": " ".join(ks["flags"]), "begin": bs["type"],
               "index": bss.get("index", 0), "keyword": bss.get("keyword"), "startfrom": bss.get("startfrom", 0),
               "find": fk["type"]}
        if fk["type"] == "range":
            row["abc"] = (fks["lastkey"], fks["keystep"], fks["limit"])
        elif fk["type"] == "keynum":
            row["abc"] = (fks["keynumidx"], fks["firstkey"], fks["keystep"])
        else:
            row["abc"] = (0, 0, 0)
        key_specs.append(row)
    return first, len(specs)


def add_command(info, doc):
    name, arity, flags, first, last, step, acl, tips, specs, subs = info
    doc = pairs(doc)
    known = {"summary", "since", "group", "complexity", "doc_flags", "deprecated_since", "replaced_by",
             "history", "arguments", "subcommands"}
    extra = set(doc) - known
    if extra:
        raise RuntimeError("%s: doc field(s) not modelled: %s" % (name, sorted(extra)))
    row = {"name": name, "arity": arity, "flags": bits(flags, FLAG_BITS), "keys": (first, last, step),
           "acl": " ".join(acl), "tips": " ".join(tips), "summary": doc.get("summary"),
           "since": doc.get("since"), "group": doc["group"], "complexity": doc.get("complexity"),
           "doc_flags": bits(doc.get("doc_flags", []), DOC_FLAG_BITS),
           "deprecated_since": doc.get("deprecated_since"), "replaced_by": doc.get("replaced_by"),
           "has_history": "history" in doc, "has_args": "arguments" in doc}
    row["key_specs"] = add_key_specs(specs)
    row["history"] = (len(history), len(doc.get("history") or []))
    for since, changes in doc.get("history") or []:
        history.append((since, changes))
    row["args"] = add_args(doc.get("arguments") or []) if row["has_args"] else (0, 0)
    commands.append(row)
    sub_docs = pairs(doc.get("subcommands"))
    row["sub_infos"] = sorted(subs or [], key=lambda s: s[0])
    row["sub_docs"] = sub_docs
    return row


def main():
    conn = Conn(PORT)
    server_info = dict(l.split(":", 1) for l in conn.call("INFO", "server").split("\r\n") if ":" in l)
    if server_info.get("redis_version") != "7.0.15":
        sys.exit("expected redis 7.0.15, got %s" % server_info.get("redis_version"))
    infos = sorted(conn.call("COMMAND"), key=lambda i: i[0])
    docs = pairs(conn.call("COMMAND", "DOCS"))
    # Top-level commands first (rows 0..n-1), then each container's subcommands contiguously.
    tops = [add_command(info, docs[info[0]]) for info in infos]
    for row in tops:
        first = len(commands)
        for sub in row["sub_infos"]:
            add_command(sub, row["sub_docs"][sub[0]])
        row["subs"] = (first, len(row["sub_infos"]))
    for row in commands:
        row.setdefault("subs", (0, 0))

    w = sys.stdout.write
    w("// GENERATED by scripts/gen_command_catalog.py from a stock redis-server 7.0.15 (COMMAND and COMMAND\n")
    w("// DOCS). Do not edit: regenerate. Every command Redis 7.0.15 has, with its arity, flags, legacy key\n")
    w("// positions, ACL categories, tips, key specs, documentation and argument tree (command_catalog.h).\n")
    w('#include "server/core/command_catalog.h"\n\n#include "server/core/command_table.h"\n\n')
    w("namespace redrock::server::catalog {\n\nnamespace {\n\n")
    w("constexpr Arg kArgs[] = {\n")
    for a in args_rows:
        w("    {%s, %s, %d, %s, %s, %s, %s, %s, %d, %d},\n" % (
            c_str(a["name"]), c_str(a["type"]), a["key_spec_index"], c_str(a["token"]), c_str(a["summary"]),
            c_str(a["since"]), c_str(a["deprecated_since"]), bits(a["flags"], ARG_FLAG_BITS), a["first_child"],
            a["num_children"]))
    w("};\n\nconstexpr KeySpec kKeySpecs[] = {\n")
    for k in key_specs:
        w("    {%s, %s, %s, %d, %s, %d, %s, %d, %d, %d},\n" % (
            c_str(k["notes"]), c_str(k["flags"]), c_str(k["begin"]), k["index"], c_str(k["keyword"]),
            k["startfrom"], c_str(k["find"]), *k["abc"]))
    w("};\n\nconstexpr History kHistory[] = {\n")
    for since, changes in history:
        w("    {%s, %s},\n" % (c_str(since), c_str(changes)))
    w("};\n\nconstexpr Command kCommands[] = {\n")
    for c in commands:
        w("    {%s, %d, %s, %d, %d, %d, %s, %s, {%d, %d}, %s, %s, %s, %s, %s, %s, %s, %s, {%d, %d}, %s, {%d, %d}, "
          "{%d, %d}},\n" % (
              c_str(c["name"]), c["arity"], c["flags"], *c["keys"], c_str(c["acl"]), c_str(c["tips"]),
              *c["key_specs"], c_str(c["summary"]), c_str(c["since"]), c_str(c["group"]), c_str(c["complexity"]),
              c["doc_flags"], c_str(c["deprecated_since"]), c_str(c["replaced_by"]),
              "true" if c["has_history"] else "false", *c["history"], "true" if c["has_args"] else "false",
              *c["args"], *c["subs"]))
    w("};\n\n}  // namespace\n\n")
    w("std::span<const Command> Commands() { return kCommands; }\n")
    w("size_t TopLevelCount() { return %d; }\n" % len(tops))
    w("std::span<const Arg> Args(Range r) { return std::span<const Arg>(kArgs).subspan(r.first, r.count); }\n")
    w("std::span<const KeySpec> KeySpecs(Range r) {\n"
      "  return std::span<const KeySpec>(kKeySpecs).subspan(r.first, r.count);\n}\n")
    w("std::span<const History> HistoryOf(Range r) {\n"
      "  return std::span<const History>(kHistory).subspan(r.first, r.count);\n}\n")
    w("std::span<const Command> Subcommands(const Command& c) {\n"
      "  return std::span<const Command>(kCommands).subspan(c.subcommands.first, c.subcommands.count);\n}\n")
    w("\n}  // namespace redrock::server::catalog\n")


if __name__ == "__main__":
    main()
