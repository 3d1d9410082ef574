#!/usr/bin/env python3
# Regenerates server/commands/command_metadata.cc from a running stock redis-server 7.0.15:
#   redis-server --port 23456 --save "" --daemonize yes
#   python3 scripts/gen_command_metadata.py > server/commands/command_metadata.cc
import socket
s = socket.create_connection(('127.0.0.1', 23456))
f = s.makefile('rb')
def send(*args):
    out = b'*%d\r\n' % len(args)
    for a in args:
        a = a.encode() if isinstance(a, str) else a
        out += b'$%d\r\n%s\r\n' % (len(a), a)
    s.sendall(out)
    return read()
def read():
    line = f.readline()[:-2]
    t, rest = line[:1], line[1:]
    if t in (b'+',): return rest.decode()
    if t == b'-': raise Exception(rest)
    if t == b':': return int(rest)
    if t == b'$':
        n = int(rest)
        if n < 0: return None
        d = f.read(n + 2)[:-2]; return d.decode()
    if t == b'*':
        n = int(rest)
        if n < 0: return None
        return [read() for _ in range(n)]
    raise Exception(line)
def pairs(l): return dict(zip(l[0::2], l[1::2]))
infos = send('COMMAND')
docs = pairs(send('COMMAND', 'DOCS'))
GROUPS = {'connection','server','string','generic','transactions','hash','list','set','sorted-set','pubsub','scripting'}
rows = []
def cstr(x):
    return '"' + x.replace('\\','\\\\').replace('"','\\"') + '"'
def keyspecs(ks):
    out = []
    for k in ks:
        k = pairs(k)
        flags = ' '.join(k['flags'])
        bs = pairs(k['begin_search']); bss = pairs(bs['spec'])
        fk = pairs(k['find_keys']); fks = pairs(fk['spec'])
        if bs['type'] == 'index': b = 'index:%d' % bss['index']
        elif bs['type'] == 'keyword': b = 'keyword:%s:%d' % (bss['keyword'], bss['startfrom'])
        else: b = 'unknown'
        if fk['type'] == 'range': fkv = 'range:%d:%d:%d' % (fks['lastkey'], fks['keystep'], fks['limit'])
        elif fk['type'] == 'keynum': fkv = 'keynum:%d:%d:%d' % (fks['keynumidx'], fks['firstkey'], fks['keystep'])
        else: fkv = 'unknown'
        note = k.get('notes', '')
        out.append('|'.join([flags, b, fkv, note]))
    return ';'.join(out)
def walk(info, doc, fullname):
    name, arity, flags, first, last, step, acl, tips, ks, subs = info
    d = pairs(doc) if doc else {}
    if d.get('group') in GROUPS:
        rows.append((fullname, d.get('summary',''), d.get('since',''), d.get('group',''), d.get('complexity',''),
                     ','.join(tips), keyspecs(ks)))
    subdocs = pairs(d.get('subcommands', [])) if d else {}
    for sub in subs:
        walk(sub, subdocs.get(sub[0]), sub[0])
for info in infos:
    walk(info, docs.get(info[0]), info[0])
rows.sort(key=lambda r: r[0].encode())
print('// Generated from a stock redis-server 7.0.15 (COMMAND and COMMAND DOCS): per command, the documentation')
print('// summary, since, group and complexity, the command tips, and the key specs, so that COMMAND INFO and')
print('// COMMAND DOCS answer as Redis does. Key specs are encoded as "flags|begin_search|find_keys|notes",')
print('// several separated by \';\'. Regenerate with scripts/gen_command_metadata.py rather than edit by hand.')
print('#include "server/commands/command_metadata.h"')
print()
print('#include <algorithm>')
print('#include <iterator>')
print()
print('namespace redrock::server {')
print()
print('namespace {')
print('constexpr CommandMetadata kMetadata[] = {')
for r in rows:
    print('    {%s},' % ', '.join(cstr(x) for x in r))
print('};')
print('}  // namespace')
print()
print('std::span<const CommandMetadata> AllCommandMetadata() { return kMetadata; }')
print()
print('const CommandMetadata* FindCommandMetadata(std::string_view full_name) {')
print('  auto it = std::lower_bound(std::begin(kMetadata), std::end(kMetadata), full_name,')
print('                             [](const CommandMetadata& m, std::string_view n) { return std::string_view(m.name) < n; });')
print('  return it != std::end(kMetadata) && std::string_view(it->name) == full_name ? &*it : nullptr;')
print('}')
print()
print('}  // namespace redrock::server')
