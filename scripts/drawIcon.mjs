#!/usr/bin/env node
// Rasterizes media/icon.svg into media/icon.png (128×128, transparent corners), the Marketplace and
// Open VSX icon. The PNG is committed; rerun this after editing the SVG. Chromium draws it because
// vsce refuses SVG icons and Chromium is already here for the e2e tests.
//
//   node scripts/drawIcon.mjs [--preview <file.png>]   (--preview also writes a 32 px check image)
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const svgPath = path.join(root, 'media', 'icon.svg');
const pngPath = path.join(root, 'media', 'icon.png');
const size = 128;
const previewArg = process.argv.indexOf('--preview');
const preview = previewArg >= 0 ? process.argv[previewArg + 1] : undefined;
if (previewArg >= 0 && !preview) {
  console.error('--preview needs a file name');
  process.exit(2);
}

const executablePath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
if (!fs.existsSync(executablePath)) {
  console.error(`Chromium not found at ${executablePath}: set CHROMIUM_PATH`);
  process.exit(1);
}
const svg = fs.readFileSync(svgPath, 'utf8');
const browser = await chromium.launch({ executablePath, args: ['--no-sandbox'] });
try {
  const page = await browser.newPage({ viewport: { width: size, height: size }, deviceScaleFactor: 1 });
  await page.setContent(
    `<!doctype html><html><body style="margin:0;background:transparent">${svg}</body></html>`,
  );
  const drawn = await page.locator('svg').boundingBox();
  if (!drawn || Math.round(drawn.width) !== size || Math.round(drawn.height) !== size) {
    throw new Error(`${svgPath} must draw at ${size}×${size}, drew ${JSON.stringify(drawn)}`);
  }
  await page.locator('svg').screenshot({ path: pngPath, omitBackground: true });
  console.log(`wrote ${path.relative(root, pngPath)} (${fs.statSync(pngPath).size} bytes)`);
  if (preview) {
    // The size the extensions list and the Marketplace search results show it at, next to full size.
    await page.setViewportSize({ width: 176, height: size });
    const data = fs.readFileSync(pngPath).toString('base64');
    await page.setContent(
      `<!doctype html><html><body style="margin:0;background:#1e1e1e;display:flex;gap:8px;align-items:start">` +
        `<img src="data:image/png;base64,${data}" width="128" height="128">` +
        `<div style="display:flex;flex-direction:column;gap:8px"><img src="data:image/png;base64,${data}" width="32" height="32">` +
        `<div style="background:#fff;padding:4px"><img src="data:image/png;base64,${data}" width="32" height="32"></div></div></body></html>`,
    );
    await page.screenshot({ path: preview });
    console.log(`wrote ${preview}`);
  }
} finally {
  await browser.close();
}
