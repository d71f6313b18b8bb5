"""htmlout.py - REPORT.html from REPORT.md.

Only the Markdown report.py writes is handled (headings, pipe tables,
numbered and bulleted lists, images, fenced code, **bold**, `code`), so no
Markdown package is needed on a fresh Debian machine.
"""

import html
import re

CSS = """body{font-family:sans-serif;max-width:72em;margin:2em auto;padding:0 1em;line-height:1.4}
table{border-collapse:collapse;margin:1em 0;font-size:90%}td,th{border:1px solid #ccc;padding:3px 8px}
th{background:#f0f0f0}pre{background:#f6f6f6;padding:.6em;overflow-x:auto;white-space:pre-wrap;overflow-wrap:anywhere}img{max-width:100%}
code{background:#f3f3f3;padding:0 3px;overflow-wrap:anywhere}"""


def _inline(s):
    s = html.escape(s, quote=False)
    s = re.sub(r"!\[([^\]]*)\]\(([^)]+)\)", r'<img alt="\1" src="\2">', s)
    s = re.sub(r"\*\*(.+?)\*\*", r"<b>\1</b>", s)
    s = re.sub(r"`([^`]+)`", r"<code>\1</code>", s)
    return s


def _cells(line):
    line = line.strip().strip("|")
    return [c.strip().replace("\\|", "|") for c in re.split(r"(?<!\\)\|", line)]


def markdown_to_html(md, title):
    out = ["<!DOCTYPE html><html><head><meta charset='utf-8'><title>%s</title><style>%s</style></head><body>"
           % (html.escape(title), CSS)]
    lines = md.split("\n")
    i = 0
    while i < len(lines):
        ln = lines[i]
        if ln.startswith("```"):
            j = i + 1
            while j < len(lines) and not lines[j].startswith("```"):
                j += 1
            out.append("<pre>%s</pre>" % html.escape("\n".join(lines[i + 1:j])))
            i = j + 1
            continue
        m = re.match(r"^(#{1,4}) (.*)", ln)
        if m:
            n = len(m.group(1))
            out.append("<h%d>%s</h%d>" % (n, _inline(m.group(2)), n))
        elif ln.startswith("|"):
            head = _cells(ln)
            j = i + 2
            out.append("<table><tr>%s</tr>" % "".join("<th>%s</th>" % _inline(c) for c in head))
            while j < len(lines) and lines[j].startswith("|"):
                out.append("<tr>%s</tr>" % "".join("<td>%s</td>" % _inline(c) for c in _cells(lines[j])))
                j += 1
            out.append("</table>")
            i = j
            continue
        elif re.match(r"^(\d+\.|-) ", ln):
            tag = "ol" if ln[0].isdigit() else "ul"
            out.append("<%s>" % tag)
            while i < len(lines) and re.match(r"^(\d+\.|-) ", lines[i]):
                out.append("<li>%s</li>" % _inline(re.sub(r"^(\d+\.|-) ", "", lines[i])))
                i += 1
            out.append("</%s>" % tag)
            continue
        elif ln.strip():
            out.append("<p>%s</p>" % _inline(ln))
        i += 1
    out.append("</body></html>")
    return "\n".join(out)
