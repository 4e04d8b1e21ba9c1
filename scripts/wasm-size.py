#!/usr/bin/env python3
"""Where a WebAssembly file's code bytes are, by crate and by generic instance (docs/bundle.md).

Needs a wasm that kept its name section: build with the size profile but without stripping, then
run wasm-bindgen as Trunk does, e.g.

  CARGO_PROFILE_WASM_RELEASE_STRIP=false CARGO_TARGET_DIR=target/measure cargo build \\
    --profile wasm-release --target wasm32-unknown-unknown --bin consensus-lab
  wasm-bindgen --target web --no-typescript --out-dir target/measure/bg \\
    target/measure/wasm32-unknown-unknown/wasm-release/consensus-lab.wasm
  scripts/wasm-size.py target/measure/bg/consensus-lab_bg.wasm

Sizes are raw function-body bytes, with each group's gzip -9 size beside it (compressed alone).
"""
import collections
import re
import sys
import zlib


def leb(b, i):
    r = s = 0
    while True:
        x = b[i]
        i += 1
        r |= (x & 0x7F) << s
        s += 7
        if x < 0x80:
            return r, i


def functions(b):
    """(name, body bytes) for every defined function, and {section: size}."""
    i, imported, bodies, names, sections = 8, 0, [], {}, {}
    while i < len(b):
        sid = b[i]
        size, i = leb(b, i + 1)
        end = i + size
        if sid == 0:
            n, j = leb(b, i)
            name = b[j : j + n].decode()
            j += n
            sections["custom:" + name] = size
            while name == "name" and j < end:
                sub = b[j]
                ss, j = leb(b, j + 1)
                if sub == 1:
                    k, p = leb(b, j)
                    for _ in range(k):
                        idx, p = leb(b, p)
                        n, p = leb(b, p)
                        names[idx] = b[p : p + n].decode("utf8", "replace")
                        p += n
                j += ss
        else:
            sections[sid] = size
        if sid == 2:  # imports: count the imported functions, which come first in the index space
            k, j = leb(b, i)
            for _ in range(k):
                for _ in range(2):
                    n, j = leb(b, j)
                    j += n
                kind = b[j]
                j += 1
                if kind == 0:
                    _, j = leb(b, j)
                    imported += 1
                elif kind in (1, 2):
                    j += 1 if kind == 1 else 0
                    flags = b[j]
                    _, j = leb(b, j + 1)
                    if flags & 1:
                        _, j = leb(b, j)
                else:
                    j += 2
        if sid == 10:
            k, j = leb(b, i)
            for _ in range(k):
                n, p = leb(b, j)
                bodies.append(b[j : p + n])
                j = p + n
        i = end
    named = [(names.get(imported + k, f"func{imported + k}"), body) for k, body in enumerate(bodies)]
    return named, sections


def clean(name):
    """wasm-bindgen writes demangled names: drop the hash that tells instances apart."""
    return re.sub(r"::h[0-9a-f]{16}", "", name)


def crate(name):
    m = re.match(r"<\s*(?:impl [\w:]+(?:<.*?>)? for )?&?(?:mut )?([a-z_][a-z0-9_]*)::", name)
    m = m or re.match(r"([a-z_][a-z0-9_]*)::", name)
    return m.group(1) if m else "(glue, unnamed)"


def table(title, groups, top):
    print(f"== {title}")
    rows = sorted(groups.items(), key=lambda kv: -sum(map(len, kv[1])))
    for key, bodies in rows[:top]:
        raw = sum(map(len, bodies))
        gz = len(zlib.compress(b"".join(bodies), 9))
        print(f"{raw:9,d} {gz:8,d}  x{len(bodies):<4d} {key[:140]}")


def main():
    b = open(sys.argv[1], "rb").read()
    top = int(sys.argv[2]) if len(sys.argv) > 2 else 30
    named, sections = functions(b)
    code = sum(len(body) for _, body in named)
    print(f"sections: {sections}")
    print(f"code: {code:,d} raw in {len(named)} functions")
    by_crate, by_name = collections.defaultdict(list), collections.defaultdict(list)
    for name, body in named:
        by_crate[crate(clean(name))].append(body)
        by_name[clean(name)].append(body)
    table("by crate (raw, gzip, functions)", by_crate, top)
    several = {k: v for k, v in by_name.items() if len(v) > 1}
    table("generic functions compiled more than once (raw, gzip, instances)", several, top)
    table("largest, all instances of a name together", by_name, top)


if __name__ == "__main__":
    main()
