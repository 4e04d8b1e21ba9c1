#!/usr/bin/env python3
"""After `mdbook build`: make the book run under the app's strict Content-Security-Policy.

mdBook's pages carry inline <script>s (theme set-up, path to the root) and style="" attributes
(tables, page breaks), which `script-src 'self'` and `style-src 'self'` refuse. Each inline
script moves to a file of its own (named by its content, so pages share them), loaded in the
same place so the order is kept; each style attribute becomes a class of book/lab-inline.css.
"""
import hashlib
import pathlib
import re
import sys

root = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else "dist/book")
script = re.compile(r"<script>(.*?)</script>", re.S)
style = re.compile(r'style="([^"]*)"')
classes = {}


def klass(css):
    name = "lab-inline-" + hashlib.sha1(css.encode()).hexdigest()[:10]
    classes[name] = css
    return name


for page in root.rglob("*.html"):
    html = page.read_text()
    up = "../" * (len(page.relative_to(root).parts) - 1)

    def to_file(m):
        body = m.group(1).strip() + "\n"
        name = "inline-" + hashlib.sha1(body.encode()).hexdigest()[:12] + ".js"
        (root / name).write_text(body)
        return f'<script src="{up}{name}"></script>'

    html = script.sub(to_file, html)

    # An element with a class already gets one more; otherwise the attribute becomes one.
    def tag_fix(m):
        tag = m.group(0)
        s = style.search(tag)
        if not s:
            return tag
        name = klass(s.group(1))
        tag = style.sub("", tag, count=1)
        if ' class="' in tag:
            return tag.replace(' class="', f' class="{name} ', 1)
        return tag.replace(">", f' class="{name}">', 1) if not tag.endswith("/>") else tag[:-2] + f' class="{name}"/>'

    html = re.sub(r"<[a-zA-Z][^>]*\bstyle=\"[^\"]*\"[^>]*>", tag_fix, html)
    if re.search(r"\son[a-z]+=\"", html):
        sys.exit(f"externalize-book: {page} has an inline event handler")
    page.write_text(html)

css = "".join(f".{n} {{ {c} }}\n" for n, c in sorted(classes.items()))
(root / "lab-inline.css").write_text(css)
# Every page loads the styles: one link beside the book's own stylesheet.
for page in root.rglob("*.html"):
    html = page.read_text()
    up = "../" * (len(page.relative_to(root).parts) - 1)
    if "lab-inline.css" not in html:
        html = html.replace("</head>", f'<link rel="stylesheet" href="{up}lab-inline.css">\n</head>', 1)
        page.write_text(html)
