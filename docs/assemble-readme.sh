#!/usr/bin/env bash
# Rebuilds README.md from docs/parts/ (edit the parts, then run this).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
parts=(00-intro deployment security operations performance 90-layout)
{
  for p in "${parts[@]}"; do
    cat "docs/parts/$p.md"
    echo
  done
} > README.md
echo "README.md: $(wc -l < README.md) lines"
