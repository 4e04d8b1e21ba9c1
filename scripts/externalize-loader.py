#!/usr/bin/env python3
"""Trunk post-build hook: move Trunk's inline loader <script> into its own file.

A strict Content-Security-Policy (script-src 'self') refuses inline scripts, so dist/ must load
everything from files of its own origin. Runs in Trunk's staging directory.
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
(staging / "loader.js").write_text(found.group(1).strip() + "\n")
html = pattern.sub('<script type="module" src="./loader.js"></script>', html, count=1)
if pattern.search(html):
    sys.exit("externalize-loader: more than one inline module script")
index.write_text(html)

# Trunk's worker shim calls wasm_bindgen(url), which wasm-bindgen 0.2.9x+ logs as "using
# deprecated parameters for the initialization function": pass the one object it expects.
for shim in staging.glob("*_loader.js"):
    text = shim.read_text()
    fixed = re.sub(r'wasm_bindgen\("([^"]+)"\)', r'wasm_bindgen({ module_or_path: "\1" })', text)
    if fixed != text:
        shim.write_text(fixed)
