#!/usr/bin/env python3
"""Trunk post-build hook: replace Trunk's inline loader <script> with loader.js, which loads the
page the link asks for.

A strict Content-Security-Policy (script-src 'self') refuses inline scripts, so dist/ must load
everything from files of its own origin. The protocol page and the consistent-hashing page are
two WebAssembly binaries (index.html): loader.js picks one from the link, so neither page
downloads the other's code, and Trunk's preload links (which would fetch the protocol page's
files on the ring page too) go. Runs in Trunk's staging directory.
"""
import os
import pathlib
import re
import sys

staging = pathlib.Path(os.environ.get("TRUNK_STAGING_DIR", sys.argv[1] if len(sys.argv) > 1 else "dist"))
index = staging / "index.html"
html = index.read_text()
pattern = re.compile(r'<script type="module">(.*?)</script>', re.S)
found = pattern.search(html)
if not found:
    sys.exit("externalize-loader: no inline module script in index.html")
if pattern.search(html, found.end()):
    sys.exit("externalize-loader: more than one inline module script")
trunk = found.group(1)
main = re.search(r"from '\./([^']+\.js)'", trunk)
main_wasm = re.search(r"module_or_path: '\./([^']+\.wasm)'", trunk)
if not (main and main_wasm):
    sys.exit("externalize-loader: Trunk's loader names no JS and wasm file")
RING = "ring-page"
if not (staging / f"{RING}.js").is_file() or not (staging / f"{RING}_bg.wasm").is_file():
    sys.exit(f"externalize-loader: {RING}.js or {RING}_bg.wasm missing (index.html builds them)")

(staging / "loader.js").write_text(f"""\
// Written by scripts/externalize-loader.py. Loads the page the link asks for: the
// consistent-hashing page (protocol=ring, or p=ring) or the protocol page, each its own
// WebAssembly. The test mirrors lab_engine::share::is_ring_link, which the pages use to move
// between each other (a full load, so this decides again).
const query = location.search;
const ring = query.length <= 64 * 1024 &&
  [...new URLSearchParams(query)].some(([k, v]) => (k === 'protocol' || k === 'p') && v === 'ring');
const [js, wasm] = ring ? ['./{RING}.js', './{RING}_bg.wasm'] : ['./{main.group(1)}', './{main_wasm.group(1)}'];
// The wasm download starts with the JS glue's, not after it.
const body = fetch(wasm);
const {{ default: init }} = await import(js);
// The instance's exports go with the event, as Trunk's own loader sends them (the page bench
// reads the WebAssembly memory from them).
const exports = await init({{ module_or_path: body }});
dispatchEvent(new CustomEvent('TrunkApplicationStarted', {{ detail: {{ page: ring ? 'ring' : 'lab', wasm: exports }} }}));
""")
html = pattern.sub('<script type="module" src="./loader.js"></script>', html, count=1)
html = re.sub(r'<link rel="(modulepreload|preload)" href="\./[^"]+"[^>]*>', "", html)
index.write_text(html)

# Trunk's worker shim calls wasm_bindgen(url), which wasm-bindgen 0.2.9x+ logs as "using
# deprecated parameters for the initialization function": pass the one object it expects.
for shim in staging.glob("*_loader.js"):
    text = shim.read_text()
    fixed = re.sub(r'wasm_bindgen\("([^"]+)"\)', r'wasm_bindgen({ module_or_path: "\1" })', text)
    if fixed != text:
        shim.write_text(fixed)
