#!/usr/bin/env python3
"""Checks every relative link and #anchor in README.md and docs/*.md.

Usage: python3 docs/check-links.py   (from anywhere; paths are taken relative to the repository)

A link is broken when its file does not exist, when it leaves the repository, or when its #anchor names no
heading of the target Markdown file (GitHub-style anchors: lower case, spaces to '-', punctuation dropped,
repeated headings suffixed -1, -2, ...). Links with a scheme (https:, mailto:) are not checked. Links inside
fenced code blocks and inline code are ignored. Exits 1 and lists the broken links, else prints a summary.
Standard library only.
"""
import pathlib
import re
import sys
import urllib.parse

ROOT = pathlib.Path(__file__).resolve().parent.parent

INLINE_LINK = re.compile(r"!?\[(?:[^\[\]]|\[[^\]]*\])*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
REFERENCE_DEF = re.compile(r"^\s{0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s+.*)?$")
HEADING = re.compile(r"^\s{0,3}(#{1,6})\s+(.*?)\s*#*\s*$")
HTML_ANCHOR = re.compile(r"<a\s+(?:name|id)=\"([^\"]+)\"", re.IGNORECASE)
FENCE = re.compile(r"^\s{0,3}(```|~~~)")
SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")


def strip_code(lines):
    """Yields (line number, text) outside fenced blocks, with inline code spans blanked out."""
    fenced = None
    for number, line in enumerate(lines, 1):
        fence = FENCE.match(line)
        if fence:
            if fenced is None:
                fenced = fence.group(1)
            elif fence.group(1) == fenced:
                fenced = None
            continue
        if fenced is None:
            yield number, re.sub(r"(`+)(?:(?!\1).)+?\1", lambda m: " " * len(m.group(0)), line)


def slug(heading):
    """GitHub's anchor for a heading's text."""
    text = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", heading)  # links keep their text
    text = re.sub(r"<[^>]+>", "", text)  # inline HTML
    text = text.strip().lower()
    text = "".join(c for c in text if c.isalnum() or c in " -_")
    return text.replace(" ", "-")


_anchors = {}


def anchors(path):
    """Every anchor a Markdown file defines."""
    if path not in _anchors:
        found, seen = set(), {}
        fenced = None
        for line in path.read_text(encoding="utf-8").splitlines():
            fence = FENCE.match(line)
            if fence:
                if fenced is None:
                    fenced = fence.group(1)
                elif fence.group(1) == fenced:
                    fenced = None
                continue
            if fenced is not None:
                continue
            found.update(HTML_ANCHOR.findall(line))
            match = HEADING.match(line)
            if match:
                base = slug(match.group(2))
                count = seen.get(base, 0)
                seen[base] = count + 1
                found.add(base if count == 0 else f"{base}-{count}")
        _anchors[path] = found
    return _anchors[path]


def targets(path):
    """(line, target) of every link in a Markdown file."""
    lines = path.read_text(encoding="utf-8").splitlines()
    for number, line in strip_code(lines):
        for match in INLINE_LINK.finditer(line):
            yield number, match.group(1)
        definition = REFERENCE_DEF.match(line)
        if definition:
            yield number, definition.group(1)


def check(path):
    broken, count = [], 0
    for number, target in targets(path):
        if SCHEME.match(target):
            continue
        count += 1
        where = f"{path.relative_to(ROOT)}:{number}: {target}"
        file_part, _, anchor = target.partition("#")
        file_part = urllib.parse.unquote(file_part)
        resolved = (path.parent / file_part).resolve() if file_part else path
        try:
            resolved.relative_to(ROOT)
        except ValueError:
            broken.append(f"{where} (outside the repository)")
            continue
        if not resolved.exists():
            broken.append(f"{where} (no such file)")
            continue
        if anchor:
            if resolved.is_dir() or resolved.suffix.lower() != ".md":
                broken.append(f"{where} (anchor into a file that is not Markdown)")
            elif urllib.parse.unquote(anchor).lower() not in anchors(resolved):
                broken.append(f"{where} (no heading with anchor #{anchor})")
    return broken, count


def main():
    files = [ROOT / "README.md"] + sorted((ROOT / "docs").glob("*.md"))
    broken, total = [], 0
    for path in files:
        if path.exists():
            found, count = check(path)
            broken += found
            total += count
    if broken:
        print(f"{len(broken)} broken link(s) of {total} checked:")
        for line in broken:
            print("  " + line)
        return 1
    print(f"{total} relative links in {len(files)} files: all resolve")
    return 0


if __name__ == "__main__":
    sys.exit(main())
