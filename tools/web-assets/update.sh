#!/usr/bin/env bash
# Copies the pinned third-party browser modules (package-lock.json) into the web tier's embedded assets.
# Run after changing a version here; tests/…/VendoredAssetTests checks the copies match the installed package.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
npm ci --no-audit --no-fund --loglevel=error
dest=../../src/Sigill.Web/Assets/vendor/pdfjs
mkdir -p "$dest"
cp node_modules/pdfjs-dist/build/pdf.min.mjs node_modules/pdfjs-dist/build/pdf.worker.min.mjs node_modules/pdfjs-dist/LICENSE "$dest/"
